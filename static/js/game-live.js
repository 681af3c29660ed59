// Live games, on the big screen and on phones: the root element ([data-src]) holds the current phase,
// fetched again (htmx) when the server announces a change (server-sent events, [data-events]), when
// the question's time plus grace runs out ([data-refresh-ms] on the phase), and every few seconds
// where the phase asks for it ([data-poll-ms]). Without EventSource, or when the stream keeps failing,
// it polls. Phones wait a random moment ([data-jitter-ms]) so a hall does not ask all at once.
// Without JavaScript every page is a plain form with a reload.
(function () {
  "use strict";
  var FALLBACK_POLL_MS = 3000;

  function follow(root) {
    var busy = false, again = false, timers = [], failures = 0, fallback = null;
    var jitter = Number(root.dataset.jitterMs || 0);

    function refresh() {
      if (busy) { again = true; return; }
      busy = true;
      htmx.ajax("GET", root.dataset.src, { target: root, swap: "innerHTML" }).finally(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
    }

    function soon() { setTimeout(refresh, Math.random() * jitter); }

    function countdown(element) {
      var end = Date.now() + Number(element.dataset.remainingMs);
      timers.push(setInterval(function () {
        element.textContent = String(Math.max(0, Math.ceil((end - Date.now()) / 1000)));
      }, 250));
    }

    function arm() {
      var phase = root.querySelector("[data-phase]");
      if (!phase) { return; }  // an acknowledgement only: keep the timers of the question
      timers.forEach(function (t) { clearTimeout(t); clearInterval(t); });
      timers = [];
      if (phase.dataset.refreshMs) { timers.push(setTimeout(soon, Number(phase.dataset.refreshMs))); }
      if (phase.dataset.pollMs) { timers.push(setInterval(refresh, Number(phase.dataset.pollMs))); }
      var clock = phase.querySelector("[data-remaining-ms]");
      if (clock) { countdown(clock); }
    }

    function poll() { if (!fallback) { fallback = setInterval(refresh, FALLBACK_POLL_MS); } }

    root.addEventListener("htmx:afterSwap", arm);
    arm();
    if (!window.EventSource || !root.dataset.events) { poll(); return; }
    var events = new EventSource(root.dataset.events);
    events.addEventListener("changed", function () { failures = 0; soon(); });
    events.addEventListener("error", function () {
      failures += 1;
      if (failures >= 3) { events.close(); poll(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-src][data-events]").forEach(follow);
  });
})();
