// Live boards: when the server says a contest's boards changed (server-sent events), fetch the board
// fragment again; at most one fetch at a time. Without EventSource, or when the stream keeps failing,
// poll every few seconds instead. Without JavaScript the page is a plain table with a reload link.
(function () {
  "use strict";
  var POLL_MS = 5000;

  function follow(board) {
    var source = board.dataset.liveSrc;
    var busy = false, again = false, failures = 0, polling = null;

    function refresh() {
      if (busy) { again = true; return; }
      busy = true;
      htmx.ajax("GET", source, { target: board, swap: "innerHTML" }).finally(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
    }

    function poll() {
      if (!polling) { polling = setInterval(refresh, POLL_MS); }
    }

    if (!window.EventSource || !board.dataset.liveEvents) { poll(); return; }
    var events = new EventSource(board.dataset.liveEvents);
    events.addEventListener("changed", function () { failures = 0; refresh(); });
    events.addEventListener("error", function () {
      failures += 1;
      if (failures >= 3) { events.close(); poll(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-live-src]").forEach(follow);
  });
})();
