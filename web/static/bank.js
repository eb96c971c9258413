// Keyboard triage of the question bank: J/K or arrows move, A accepts, R rejects (1-9 picks the
// reason, Enter confirms), E edits (Ctrl+Enter saves, Esc cancels), U reopens. Buttons do the same.
// A refused edit leaves the typed text in place and says why.
(function () {
  "use strict";
  const list = document.getElementById("bank-list");
  if (!list) return;
  const items = () => Array.from(list.querySelectorAll(".bank-item"));
  const token = document.querySelector("meta[name=csrf-token]").content;
  let current = null;

  function select(item) {
    if (!item) return;
    if (current) current.classList.remove("current");
    current = item;
    item.classList.add("current");
    item.focus({ preventScroll: true });
    item.scrollIntoView({ block: "nearest" });
  }
  function move(step) {
    const all = items();
    const at = all.indexOf(current);
    select(all[Math.min(all.length - 1, Math.max(0, at + step))]);
  }
  function showError(item, message) {
    const box = item.querySelector(".item-error");
    box.textContent = message;
    box.classList.toggle("hidden", !message);
  }
  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token, Accept: "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    const data = await response.json().catch(() => ({ error: { message: `服务器错误（${response.status}）` } }));
    if (!response.ok) throw new Error((data.error && data.error.message) || `请求失败（${response.status}）`);
    return data;
  }
  function showStatus(item, data) {
    const badge = item.querySelector(".status");
    badge.textContent = data.status_label;
    badge.className = `badge status status-${data.status}`;
    item.querySelector(".reject-label").textContent = data.reject_label || "";
    const flag = item.querySelector(".review-flag");
    if (flag && !data.review) flag.remove();
    item.classList.toggle("flagged", Boolean(data.review));
    item.dataset.status = data.status;
  }
  function close(item) {
    item.querySelector(".reject-panel").classList.add("hidden");
    item.querySelector(".edit-panel").classList.add("hidden");
    item.querySelector(".view").classList.remove("hidden");
    item.focus({ preventScroll: true });
  }
  // Moves on at once (fast triage types ahead); a refusal brings the item back with the reason.
  async function decide(item, body, next = true) {
    close(item);
    if (next && item === current) move(1);
    try {
      showStatus(item, await post(item.dataset.decide, body));
      showError(item, "");
    } catch (error) {
      showError(item, error.message);
      select(item);
    }
  }
  function openReject(item) {
    close(item);
    const panel = item.querySelector(".reject-panel");
    panel.classList.remove("hidden");
    panel.querySelector("input[type=radio]").focus();
  }
  function confirmReject(item) {
    const picked = item.querySelector(".reject-panel input[type=radio]:checked");
    if (!picked) {
      showError(item, "请选择拒绝原因（按数字键 1–9）");
      return;
    }
    decide(item, { action: "reject", reason: picked.value, note: item.querySelector(".reject-note").value });
  }
  function openEdit(item) {
    close(item);
    const form = item.querySelector(".edit-panel");
    form.classList.remove("hidden");
    item.querySelector(".view").classList.add("hidden");
    form.querySelector("textarea, input").focus();
  }
  async function saveEdit(item) {
    const form = item.querySelector(".edit-panel");
    const body = {};
    new FormData(form).forEach((value, key) => { body[key] = value; });
    try {
      const data = await post(item.dataset.edit, body);
      showStatus(item, data);
      showError(item, "");
      const q = data.question;
      item.querySelector(".view .stem").textContent = q.stem;
      const answer = item.querySelector(".view .answer");
      if (answer) answer.textContent = q.answer;
      item.querySelectorAll(".view .options li").forEach((li, i) => {
        if (q.options[i] !== undefined) li.textContent = q.options[i];
      });
      close(item);
      move(1);
    } catch (error) {
      showError(item, error.message); // the form keeps what was typed
    }
  }

  list.addEventListener("click", (event) => {
    const item = event.target.closest(".bank-item");
    if (!item) return;
    if (item !== current) select(item);
    const act = event.target.closest(".act");
    if (act) {
      if (act.dataset.act === "accept") decide(item, { action: "accept" });
      if (act.dataset.act === "reject") openReject(item);
      if (act.dataset.act === "edit") openEdit(item);
    }
    if (event.target.closest(".confirm-reject")) confirmReject(item);
    if (event.target.closest(".cancel")) close(item);
  });
  list.addEventListener("submit", (event) => {
    const form = event.target.closest(".edit-panel");
    if (!form) return;
    event.preventDefault();
    saveEdit(form.closest(".bank-item"));
  });

  document.addEventListener("keydown", (event) => {
    if (!current || event.altKey || event.metaKey) return;
    const editing = current.querySelector(".edit-panel:not(.hidden)");
    const rejecting = current.querySelector(".reject-panel:not(.hidden)");
    const typing = /^(TEXTAREA|INPUT|SELECT)$/.test(event.target.tagName) && event.target.type !== "radio";
    if (event.key === "Escape" && (editing || rejecting)) {
      event.preventDefault();
      close(current);
      return;
    }
    if (editing) {
      if (event.key === "Enter" && event.ctrlKey) {
        event.preventDefault();
        saveEdit(current);
      }
      return;
    }
    if (rejecting) {
      const radios = rejecting.querySelectorAll("input[type=radio]");
      if (!typing && /^[1-9]$/.test(event.key) && radios[Number(event.key) - 1]) {
        event.preventDefault();
        radios[Number(event.key) - 1].checked = true;
        if (radios[Number(event.key) - 1].value === "other") rejecting.querySelector(".reject-note").focus();
      } else if (event.key === "Enter") {
        event.preventDefault();
        confirmReject(current);
      }
      return;
    }
    if (typing || event.ctrlKey) return;
    const key = event.key.toLowerCase();
    const actions = {
      j: () => move(1), arrowdown: () => move(1), k: () => move(-1), arrowup: () => move(-1),
      a: () => decide(current, { action: "accept" }), r: () => openReject(current),
      e: () => openEdit(current), u: () => decide(current, { action: "reopen" }, false),
    };
    if (actions[key]) {
      event.preventDefault();
      actions[key]();
    }
  });
  select(items()[0]);
})();
