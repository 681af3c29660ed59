// The host's keys on the big screen: → , PageDown, Space, Enter or N for Next (presentation clickers send
// PageDown or →), P to pause or go on. Keys typed into a form field, or pressed on a button, keep their
// usual meaning.
(function () {
  "use strict";
  var NEXT = ["ArrowRight", "PageDown", " ", "Enter", "n", "N"];
  var PAUSE = ["p", "P"];

  document.addEventListener("keydown", function (event) {
    var tag = event.target.tagName;
    if (event.altKey || event.ctrlKey || event.metaKey || ["INPUT", "TEXTAREA", "SELECT", "BUTTON", "A"].indexOf(tag) >= 0) {
      return;
    }
    var id = NEXT.indexOf(event.key) >= 0 ? "advance" : PAUSE.indexOf(event.key) >= 0 ? "pause" : null;
    var button = id && document.getElementById(id);
    if (button) {
      event.preventDefault();
      button.click();
    }
  });
})();
