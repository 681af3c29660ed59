// Play page helpers: a countdown that only displays the server's deadline, the answer's "saving…" state
// with retries over a flaky link, and the client's own timing for audit. Without this file the round
// still works as plain forms: the server enforces every deadline and keeps the first answer to each question.
(function () {
  "use strict";
  var RETRY_MS = [1000, 2000, 4000, 8000];  // then every 8 s, for as long as the page is open
  var timer = null;
  var requestSentAt = 0;  // performance.now() when the request that brought the current question left

  function announce(text) {
    var region = document.getElementById("time-announcer");
    if (region) { region.textContent = text; }
  }

  function saving(form) {
    return form && (form.classList.contains("htmx-request") || form.classList.contains("retrying"));
  }

  // The server sends how long is left when it renders the page. Counting from when our request left
  // (not from when the answer arrived) means the display never shows more time than the server gives,
  // however slow the link; and performance.now() ignores a wrong clock on the phone.
  function pageRequestedAt() {
    var navigation = performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
    return navigation ? navigation.requestStart || navigation.fetchStart : 0;
  }

  function startCountdown(sentAt) {
    var countdown = document.querySelector(".countdown[data-remaining-ms]");
    if (timer) { clearInterval(timer); timer = null; }
    if (!countdown) { return; }
    var endsAt = sentAt + Number(countdown.dataset.remainingMs);
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
      var left = Math.max(0, Math.floor((endsAt - performance.now()) / 1000));
      clock.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      countdown.classList.toggle("urgent", left <= 10);
      [60, 30, 10].forEach(function (mark) {  // a screen reader hears the time at a few moments, not every second
        if (left <= mark && left > mark - 2 && !announced[mark]) {
          announced[mark] = true;
          announce(countdown.textContent.trim());
        }
      });
      if (left <= 0 && !saving(form)) {  // an answer on its way decides what comes next; else ask the server
        clearInterval(timer);
        timer = null;
        window.location.assign(countdown.dataset.refresh);
      }
    }
    tick();
    timer = setInterval(tick, 250);
  }

  // A dropped or timed-out answer is sent again: the server keeps the first answer it received, so a
  // retry of one that did arrive only fetches the next step.
  function retryLater(form) {
    var attempt = Number(form.dataset.retries || 0);
    var status = form.querySelector(".saving");
    form.dataset.retries = String(attempt + 1);
    form.classList.add("retrying");
    if (status && status.dataset.retrying) { status.textContent = status.dataset.retrying; }
    setTimeout(function () {
      if (form.isConnected) { htmx.trigger(form, "submit"); }
    }, RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]);
  }

  function answerForm(event) {
    var element = event.detail && event.detail.elt;
    return element && element.matches && element.matches("form.play") ? element : null;
  }

  document.addEventListener("htmx:beforeSend", function () { requestSentAt = performance.now(); });
  document.addEventListener("htmx:sendError", function (event) {
    var form = answerForm(event);
    if (form) { retryLater(form); }
  });
  document.addEventListener("htmx:timeout", function (event) {
    var form = answerForm(event);
    if (form) { retryLater(form); }
  });
  document.addEventListener("htmx:beforeSwap", function (event) {  // a proxy's 502-504: the answer may not have arrived
    var form = answerForm(event);
    if (form && event.detail.xhr.status >= 502 && event.detail.xhr.status <= 504) {
      event.detail.shouldSwap = false;
      retryLater(form);
    }
  });
  document.addEventListener("DOMContentLoaded", function () { startCountdown(pageRequestedAt()); });
  document.addEventListener("htmx:afterSettle", function () { startCountdown(requestSentAt); });
})();
