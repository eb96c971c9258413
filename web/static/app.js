/* Kefu Playbook page behaviour: plain JS, no framework, no network beyond this server. */
(function () {
  "use strict";
  const csrfToken = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function toast(text) {
    let el = document.querySelector(".toast");
    if (!el) {
      el = document.createElement("div");
      el.className = "toast";
      el.setAttribute("role", "status");
      document.body.appendChild(el);
    }
    el.textContent = text;
    el.classList.add("show");
    clearTimeout(el._timer);
    el._timer = setTimeout(() => el.classList.remove("show"), 1600);
  }

  async function copyText(text, message) {
    try {
      await navigator.clipboard.writeText(text);
    } catch (err) { // older browsers or a non-secure origin: fall back to a hidden textarea
      const area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    toast(message || "已复制回复，可直接粘贴给顾客");
  }

  // --- clicks: copy buttons, feedback votes -----------------------------------
  document.addEventListener("click", async (event) => {
    const copy = event.target.closest("[data-copy]");
    if (copy) {
      event.preventDefault();
      copyText(copy.getAttribute("data-copy"));
      return;
    }
    const vote = event.target.closest(".vote");
    if (vote) {
      const box = vote.closest(".feedback");
      const list = vote.closest(".results");
      const status = box.querySelector(".vote-status");
      const response = await fetch("/api/feedback", {
        method: "POST",
        credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
        body: JSON.stringify({
          query: list ? list.dataset.query : "",
          chunk_id: parseInt(box.dataset.chunk, 10),
          vote: parseInt(vote.dataset.vote, 10),
        }),
      });
      box.querySelectorAll(".vote").forEach((b) => b.classList.toggle("chosen", b === vote));
      status.textContent = response.ok ? "已记录，谢谢" : "提交失败";
    }
  });

  // --- confirm before destructive forms -----------------------------------------
  document.addEventListener("submit", (event) => {
    // A form asks, or one of its buttons does (e.g. "delete" next to "save").
    const button = event.submitter;
    const message = (button && button.getAttribute("data-confirm")) || event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // --- search as you type ---------------------------------------------------------
  const input = document.getElementById("q");
  const results = document.getElementById("results");
  if (input && results) {
    const bar = document.querySelector(".searchbar");
    const configured = parseInt(bar.dataset.debounce, 10);
    const delay = Number.isNaN(configured) ? 250 : configured; // 0: on every keystroke
    let timer = null, idleTimer = null, shown = input.value.trim(), seq = 0;

    const form = document.getElementById("search-form");
    async function load(query, log, rerender = true) {
      // The form carries the document and tag filters (the server remembers them per user).
      const params = new URLSearchParams(new FormData(form));
      params.set("q", query);
      params.set("log", log ? "1" : "0");
      const url = "/search/results?" + params.toString();
      if (!rerender) {  // only record the query: keep what the agent is looking at (and their votes)
        fetch(url, {credentials: "same-origin"});
        return;
      }
      const mine = ++seq;
      const response = await fetch(url, {credentials: "same-origin"});
      if (mine !== seq || !response.ok) return;  // a newer query is on its way
      results.innerHTML = await response.text();  // server-rendered, escaped by Jinja
      shown = query;
      const next = query ? "?q=" + encodeURIComponent(query) : location.pathname;
      history.replaceState(null, "", next);
    }

    input.addEventListener("input", () => {
      clearTimeout(timer);
      clearTimeout(idleTimer);
      const query = input.value.trim();
      timer = setTimeout(() => { if (query !== shown) load(query, false); }, delay);
      // A query left standing is a real question: log it (for the gaps page) once typing stops.
      if (query) idleTimer = setTimeout(() => load(query, true, query !== shown), 2000);
    });
    form.querySelectorAll("select.filter").forEach((select) => {
      select.addEventListener("change", () => load(input.value.trim(), false));
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      clearTimeout(timer);
      clearTimeout(idleTimer);
      load(input.value.trim(), true);
    });

    const items = () => Array.from(results.querySelectorAll(".result"));
    document.addEventListener("keydown", (event) => {
      const active = document.activeElement;
      const typing = active && (active.tagName === "INPUT" || active.tagName === "TEXTAREA");
      if (event.key === "/" && !typing) {
        event.preventDefault();
        input.focus();
        input.select();
        return;
      }
      const list = items();
      const index = list.indexOf(active);
      if (event.key === "ArrowDown" && (active === input || index >= 0) && list.length) {
        event.preventDefault();
        list[Math.min(index + 1, list.length - 1)].focus();
      } else if (event.key === "ArrowUp" && index >= 0) {
        event.preventDefault();
        (index === 0 ? input : list[index - 1]).focus();
      } else if (event.key === "Escape" && index >= 0) {
        input.focus();
      } else if ((event.key === "c" || event.key === "C") && index >= 0) {
        // The approved reply of an FAQ/script entry, else the whole passage (not the cut snippet).
        const reply = active.querySelector(".copy");
        if (reply) copyText(reply.getAttribute("data-copy"));
        else copyText(active.dataset.copyText, "已复制整段原文，请核实后再回复顾客");
      } else if (event.key === "Enter" && index >= 0 && event.target === active) {
        const link = active.querySelector(".result-foot a");
        if (link) link.click();
      }
    });
  }

  // --- a passage opened from search: bring it into view ------------------------------
  const target = document.querySelector(".passage.target");
  // Its top edge just under the sticky header (scroll-margin-top in app.css), never beneath it.
  if (target) target.scrollIntoView({block: "start"});

  // --- sortable tables -----------------------------------------------------------------
  document.querySelectorAll("table.sortable").forEach((table) => {
    table.querySelectorAll("th").forEach((th, column) => {
      th.classList.add("sortable");
      th.tabIndex = 0;
      const sort = () => {
        const ascending = !th.classList.contains("sorted-asc");
        table.querySelectorAll("th").forEach((h) => h.classList.remove("sorted-asc", "sorted-desc"));
        th.classList.add(ascending ? "sorted-asc" : "sorted-desc");
        const body = table.tBodies[0];
        const value = (row) => {
          const cell = row.cells[column];
          const raw = cell ? (cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim()) : "";
          const number = parseFloat(raw);
          return isNaN(number) || !/^-?[\d.]+%?$/.test(raw) ? raw : number;
        };
        const rows = Array.from(body.rows);
        rows.sort((a, b) => {
          const x = value(a), y = value(b);
          const order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), "zh");
          return ascending ? order : -order;
        });
        rows.forEach((row) => body.appendChild(row));
      };
      th.addEventListener("click", sort);
      th.addEventListener("keydown", (event) => { if (event.key === "Enter") sort(); });
    });
  });
})();
