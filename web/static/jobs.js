// A job's page: ask /api/jobs/<id> for its progress every data-poll-ms and move the bar;
// when the job has ended, load the page again, which then shows the report (or goes to the quiz).
(function () {
  "use strict";
  const box = document.getElementById("job");
  if (!box || box.dataset.status === "done" || box.dataset.status === "failed") return;
  const every = Number(box.dataset.pollMs) || 1000;
  const bar = document.getElementById("job-bar");

  function show(job) {
    box.dataset.status = job.status;
    document.getElementById("job-status").textContent = job.status_label;
    document.getElementById("job-current").textContent = job.current;
    document.getElementById("job-waiting").textContent = job.waiting_for;
    document.getElementById("job-count").textContent = job.total ? `${job.done} / ${job.total}` : "";
    if (job.total || job.status === "done") {
      bar.value = job.fraction;
      bar.textContent = `${Math.round(job.fraction * 100)}%`;
    } else {
      bar.removeAttribute("value"); // no total yet: an indeterminate bar
    }
    const log = document.getElementById("job-log");
    if (log.children.length !== job.log.length) {
      log.replaceChildren(...job.log.map((line) => {
        const item = document.createElement("li");
        item.textContent = line;
        return item;
      }));
    }
  }

  async function poll() {
    try {
      const response = await fetch(box.dataset.jobUrl, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      const job = await response.json();
      show(job);
      if (job.status === "done" || job.status === "failed") {
        window.location.reload();
        return;
      }
    } catch (error) {
      document.getElementById("job-waiting").textContent = "暂时无法获取进度，稍后重试…";
    }
    window.setTimeout(poll, every);
  }

  window.setTimeout(poll, every);
})();
