// htmx settings, from a file so the Content-Security-Policy needs no inline script or style.
// Runs after htmx (both deferred, in order) and before htmx starts on DOMContentLoaded.
htmx.config.includeIndicatorStyles = false; // htmx would add a <style> element (no page uses hx-indicator)
htmx.config.allowEval = false; // no hx-on / js: expressions: they would need 'unsafe-eval'
htmx.config.allowScriptTags = false; // swapped-in HTML never runs scripts
// Swap 422 answers too, so a refused move on the board shows its reason in place.
htmx.config.responseHandling = [
  { code: "204", swap: false },
  { code: "[23]..", swap: true },
  { code: "422", swap: true },
  { code: "[45]..", swap: false, error: true },
];

// Keyboard and screen-reader users after a partial update (swapped regions are replaced whole,
// so what the seeker was on must be found again in the new HTML):
// - focus returns to the control that triggered the swap (same id), else to the moved card's
//   move control or the card, else to the updated region; a swap nobody asked for (a poll,
//   [data-background]) moves focus only if it was inside what was replaced;
// - the board keeps its sideways scroll and the window its position;
// - open panels (the filter drawer, expanded board columns) stay open;
// - the news of the swap (a [data-announce] element or a message) is read out by #live, a
//   live region present in the page from the start (one added with the news is not announced).
(function () {
  var saved = null;

  document.addEventListener("htmx:beforeSwap", function (e) {
    var active = document.activeElement;
    var elt = e.detail.requestConfig && e.detail.requestConfig.elt;
    var card = elt && elt.closest(".card");
    var scroller = e.detail.target.querySelector(".board-columns");
    saved = {
      activeId: active && active.id,
      quiet: !!(elt && elt.hasAttribute("data-background")) && !(active && e.detail.target.contains(active)),
      cardId: card && card.id,
      scrollLeft: scroller ? scroller.scrollLeft : 0,
      windowY: window.scrollY,
      expanded: Array.prototype.map.call(document.querySelectorAll('[data-toggles][aria-expanded="true"]'), function (el) { return el.id; }),
      opened: Array.prototype.map.call(e.detail.target.querySelectorAll("details[open][id]"), function (el) { return el.id; }),
    };
  });

  document.addEventListener("htmx:afterSettle", function (e) {
    if (!saved) return;
    var state = saved;
    saved = null;
    state.opened.forEach(function (id) { var el = document.getElementById(id); if (el) el.open = true; });
    state.expanded.forEach(function (id) {
      var opener = document.getElementById(id);
      var panel = opener && document.getElementById(opener.getAttribute("aria-controls"));
      if (opener && panel) { opener.setAttribute("aria-expanded", "true"); panel.classList.add("open"); }
    });
    var scroller = document.querySelector(".board-columns");
    if (scroller) scroller.scrollLeft = state.scrollLeft;
    window.scrollTo(window.scrollX, state.windowY);

    var target = e.detail.target;
    var region = document.body.contains(target) ? target : (target.id && document.getElementById(target.id));
    var focusTo = state.activeId && document.getElementById(state.activeId);
    if (state.cardId) {
      var pk = state.cardId.replace("card-", "");
      focusTo = document.getElementById("move-" + pk) || document.getElementById(state.cardId) || focusTo;
    }
    if (state.quiet) focusTo = null; // focus was elsewhere and is still there
    if (!state.quiet && (!focusTo || focusTo === document.body) && region) {
      focusTo = region;
      if (!focusTo.hasAttribute("tabindex") && !focusTo.matches("a[href], button, input, select, textarea")) focusTo.setAttribute("tabindex", "-1");
    }
    var fold = focusTo && focusTo.closest && focusTo.closest("details");
    if (fold) fold.open = true; // a card moved into a folded column unfolds it
    if (focusTo && document.activeElement !== focusTo) focusTo.focus({ preventScroll: true });
    if (scroller && focusTo && focusTo.closest) {
      var column = focusTo.closest(".board-column");
      if (column) column.scrollIntoView({ block: "nearest", inline: "nearest" });
    }

    var news = region && (region.matches("[data-announce]") ? region : region.querySelector("[data-announce], .message"));
    var live = document.getElementById("live");
    if (live && news) {
      var text = (news.getAttribute("data-announce") || news.textContent).replace(/\s+/g, " ").trim();
      live.textContent = "";
      // Set a moment later so a repeat of the last news is announced again.
      window.setTimeout(function () { live.textContent = text; }, 50);
    }
  });
})();
