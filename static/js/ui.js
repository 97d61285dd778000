// Page chrome: the theme toggle, the phone menu and the search filter drawer. Every control
// is a real <button> with aria-expanded / aria-pressed; no inline script (Content-Security-Policy).
(function () {
  var root = document.documentElement;

  function currentTheme() {
    var chosen = root.getAttribute("data-theme");
    if (chosen) return chosen;
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  function syncThemeButton(button) {
    var dark = currentTheme() === "dark";
    button.setAttribute("aria-pressed", dark ? "true" : "false");
  }

  function toggle(button, panel, open) {
    var next = open === undefined ? button.getAttribute("aria-expanded") !== "true" : open;
    button.setAttribute("aria-expanded", next ? "true" : "false");
    panel.classList.toggle("open", next);
    return next;
  }

  document.addEventListener("click", function (e) {
    var target = e.target.closest ? e.target : null;
    if (!target) return;
    var themeButton = target.closest(".theme-toggle");
    if (themeButton) {
      var next = currentTheme() === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try { localStorage.setItem("theme", next); } catch (err) { /* not kept */ }
      syncThemeButton(themeButton);
      return;
    }
    var opener = target.closest("[data-toggles]");
    if (opener) {
      var panel = document.getElementById(opener.getAttribute("aria-controls"));
      if (!panel) return;
      var opened = toggle(opener, panel);
      if (opened && opener.dataset.toggles === "drawer") {
        var first = panel.querySelector("button, input, select, a[href]");
        if (first) first.focus();
      }
      return;
    }
    var closer = target.closest("[data-closes]");
    if (closer) {
      var drawer = document.getElementById(closer.getAttribute("data-closes"));
      var owner = document.querySelector('[aria-controls="' + closer.getAttribute("data-closes") + '"]');
      if (drawer && owner) { toggle(owner, drawer, false); owner.focus(); }
    }
  });

  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    document.querySelectorAll('[data-toggles][aria-expanded="true"]').forEach(function (opener) {
      var panel = document.getElementById(opener.getAttribute("aria-controls"));
      if (panel) { toggle(opener, panel, false); opener.focus(); }
    });
  });

  document.querySelectorAll(".theme-toggle").forEach(syncThemeButton);
})();
