// The live table's client side: pause buffers rows instead of dropping them (resume shows them
// in order), a row already shown is never added twice (the stream may resend after a
// reconnect), the table keeps the newest MAX_ROWS rows, and empty filter fields are not sent.
(function () {
  const MAX_ROWS = 500;
  const rows = document.getElementById("stream-rows");
  const pause = document.getElementById("pause");
  const status = document.getElementById("stream-status");
  const buffered = document.getElementById("buffered");
  const form = document.getElementById("stream-filters");
  const buffer = [];
  let paused = false;

  function shown(id) {
    return id && rows.querySelector('tr[data-id="' + CSS.escape(id) + '"]') !== null;
  }
  function trim() {
    while (rows.rows.length > MAX_ROWS) rows.deleteRow(rows.rows.length - 1);
  }
  function report() {
    pause.textContent = paused ? "Resume" : "Pause";
    pause.dataset.paused = String(paused);
    buffered.textContent = buffer.length ? buffer.length + " new while paused" : "";
  }

  document.body.addEventListener("htmx:sseBeforeMessage", function (event) {
    const message = event.detail;
    if (shown(message.lastEventId)) { event.preventDefault(); return; }
    if (paused) { event.preventDefault(); buffer.push(message); report(); }
  });
  document.body.addEventListener("htmx:sseMessage", trim);
  document.body.addEventListener("htmx:sseOpen", function () { status.textContent = "live"; });
  document.body.addEventListener("htmx:sseError", function () { status.textContent = "reconnecting…"; });

  pause.addEventListener("click", function () {
    paused = !paused;
    if (!paused) {
      for (const message of buffer.splice(0)) {
        if (shown(message.lastEventId)) continue;
        rows.insertAdjacentHTML("afterbegin", message.data);
        htmx.process(rows.firstElementChild);
      }
      trim();
    }
    report();
  });

  form.addEventListener("submit", function () {
    for (const input of form.querySelectorAll("input")) if (!input.value.trim()) input.disabled = true;
  });
})();
