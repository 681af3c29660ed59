// Play page helpers: a countdown that only displays the server's deadline, and the client's own
// timing for audit. Without this file the round still works: the server enforces every deadline.
(function () {
  "use strict";
  var timer = null;

  function announce(text) {
    var region = document.getElementById("time-announcer");
    if (region) { region.textContent = text; }
  }

  function startCountdown() {
    var countdown = document.querySelector(".countdown[data-remaining-ms]");
    if (timer) { clearInterval(timer); timer = null; }
    if (!countdown) { return; }
    var endsAt = performance.now() + Number(countdown.dataset.remainingMs);
    var clock = countdown.querySelector(".clock");
    var shownAt = performance.now();
    var form = document.querySelector("form.play");
    if (form) {
      form.addEventListener("submit", function () {
        form.elements.client_ms.value = String(Math.round(performance.now() - shownAt));
      });
    }
    var announced = {};
    function tick() {
      var left = Math.max(0, Math.round((endsAt - performance.now()) / 1000));
      clock.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      countdown.classList.toggle("urgent", left <= 10);
      [60, 30, 10].forEach(function (mark) {  // a screen reader hears the time at a few moments, not every second
        if (left <= mark && left > mark - 2 && !announced[mark]) {
          announced[mark] = true;
          announce(countdown.textContent.trim());
        }
      });
      if (left <= 0) {
        clearInterval(timer);
        timer = null;
        window.location.assign(countdown.dataset.refresh);  // the server decides what comes next
      }
    }
    tick();
    timer = setInterval(tick, 1000);
  }

  document.addEventListener("DOMContentLoaded", startCountdown);
  document.addEventListener("htmx:afterSettle", startCountdown);
})();
