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
