// Taking a quiz: the countdown of a timed attempt (submits itself when time is up) and a
// warning, before the first submit, that lists the questions left unanswered.
(function () {
  "use strict";
  const form = document.getElementById("attempt-form");
  if (!form || !document.getElementById("submit-attempt")) return;
  let auto = false;

  function unanswered() {
    const missing = [];
    form.querySelectorAll("fieldset[data-question]").forEach((set, index) => {
      const inputs = set.querySelectorAll("input:not([type=hidden])");
      const answered = Array.from(inputs).some((input) =>
        input.type === "radio" || input.type === "checkbox" ? input.checked : input.value.trim() !== "");
      if (!answered) missing.push(index + 1);
    });
    return missing;
  }

  form.addEventListener("submit", (event) => {
    if (auto || form.dataset.warned === "1") return;
    const missing = unanswered();
    if (!missing.length) return;
    event.preventDefault();
    const warning = document.getElementById("unanswered-warning");
    warning.textContent = `还有 ${missing.length} 题未作答：第 ${missing.join("、")} 题。未答的题不得分；再点一次“提交答卷”即提交。`;
    warning.classList.remove("hidden");
    form.dataset.warned = "1";
    document.getElementById("submit-attempt").textContent = "仍要提交";
    warning.scrollIntoView({ block: "center" });
  });
  // Answering after the warning: the warning is out of date, so warn again on submit.
  form.addEventListener("change", () => {
    if (form.dataset.warned === "1" && !unanswered().length) {
      document.getElementById("unanswered-warning").classList.add("hidden");
    }
  });

  const deadline = parseFloat(form.dataset.deadline);
  if (!Number.isFinite(deadline)) return;
  const ends = Date.now() + (deadline - parseFloat(form.dataset.now)) * 1000;
  const left = document.getElementById("timer-left");
  function tick() {
    const seconds = Math.max(0, Math.round((ends - Date.now()) / 1000));
    const m = Math.floor(seconds / 60);
    const s = String(seconds % 60).padStart(2, "0");
    left.textContent = `${m}:${s}`;
    if (seconds <= 60) document.getElementById("timer").classList.add("urgent");
    if (seconds === 0) {
      auto = true;
      form.requestSubmit();
      return;
    }
    window.setTimeout(tick, 1000);
  }
  tick();
})();
