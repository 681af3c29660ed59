// The ceremony: Space, the right arrow, Page Down (what presentation clickers send) or Enter press "Next".
(function () {
  "use strict";
  var KEYS = [" ", "ArrowRight", "PageDown", "Enter"];
  document.addEventListener("keydown", function (event) {
    var next = document.getElementById("reveal-next");
    if (next && KEYS.indexOf(event.key) !== -1 && document.activeElement !== next) {
      event.preventDefault();
      next.click();
    }
  });
})();
