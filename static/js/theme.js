// Runs first, in <head>, so the page paints in the seeker's theme without a flash: a choice
// made with the toggle (kept in localStorage) wins over the system preference. Also marks the
// document as scripted, so the phone menu and the filter drawer collapse only when a script
// can open them again.
(function () {
  var root = document.documentElement;
  root.classList.add("js");
  try {
    var theme = localStorage.getItem("theme");
    if (theme === "dark" || theme === "light") root.setAttribute("data-theme", theme);
  } catch (e) { /* storage blocked: follow the system */ }
})();
