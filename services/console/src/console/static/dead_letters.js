// Redrive buttons of the dead-letters page: POST /api/dead-letters/redrive (JSON; the session
// cookie is sent, SameSite=Strict), show each letter's outcome, then reload the list.
(function () {
  const form = document.getElementById("redrive-form");
  const result = document.getElementById("redrive-result");
  const reasonInput = document.getElementById("redrive-reason");

  function position(row) {
    return { topic: row.dataset.topic, partition: Number(row.dataset.partition), offset: Number(row.dataset.offset) };
  }

  async function redrive(body) {
    const reason = reasonInput.value.trim();
    if (!reason) {
      result.className = "error";
      result.textContent = "Say why before redriving: the reason is recorded.";
      reasonInput.focus();
      return;
    }
    result.className = "muted";
    result.textContent = "Redriving…";
    const response = await fetch("/api/dead-letters/redrive", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify({ ...body, reason: reason }),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      const detail = Array.isArray(answer.detail) ? answer.detail.map((d) => d.msg).join("; ") : answer.detail;
      result.className = "error";
      result.textContent = `Not redriven (${response.status}): ${detail || response.statusText}`;
      return;
    }
    const lines = answer.results.map((r) => {
      const earlier = r.earlier_by ? ` (by ${r.earlier_by} at ${r.earlier_at}${r.earlier_reason ? ": " + r.earlier_reason : ""})` : "";
      return `${r.position}: ${r.outcome}${earlier}`;
    });
    result.className = "ok";
    result.dataset.replayed = String(answer.replayed);
    result.textContent = `Redrove ${answer.replayed} of ${answer.results.length}. ` + lines.join(" · ");
    window.setTimeout(() => window.location.reload(), 3000);
  }

  document.getElementById("redrive-selected").addEventListener("click", () => {
    const rows = [...document.querySelectorAll("tr.dead-letter")].filter((r) => r.querySelector(".select-letter").checked);
    if (!rows.length) {
      result.className = "error";
      result.textContent = "Select at least one dead letter.";
      return;
    }
    redrive({ positions: rows.map(position) });
  });
  document.getElementById("redrive-all").addEventListener("click", () => {
    const d = form.dataset;
    redrive({ filter: { group: d.group || null, reason: d.reason || null, origin_topic: d.origin || null } });
  });
  document.querySelectorAll("button.redrive-one").forEach((button) => {
    button.addEventListener("click", () => redrive({ positions: [position(button.closest("tr"))] }));
  });
  const all = document.getElementById("select-all");
  all.addEventListener("change", () => {
    document.querySelectorAll(".select-letter").forEach((box) => { box.checked = all.checked; });
  });
})();
