// The moderation queue, keyboard-driven. Without this script every action is a plain form.
// Decisions go to the JSON API with the version each item showed, so a decision another
// moderator made meanwhile comes back as 409 "already decided" instead of a second one;
// the live stream marks items others decide while this page is open.
(function () {
  "use strict";
  const root = document.getElementById("queue");
  if (!root) return;
  const csrf = root.dataset.csrf;
  const site = root.dataset.site;
  const tab = root.dataset.tab;
  const status = root.querySelector(".live-status");
  const mine = new Set();  // ids this page decided: the stream echoes them back
  // The page's language: its catalog from veche (web/i18n.py), English until it comes.
  let catalog = { lang: "en", messages: {}, plurals: {} };
  const lang = document.documentElement.lang || "en";
  if (lang !== "en") {
    fetch("/i18n/" + encodeURIComponent(lang) + ".json").then((r) => (r.ok ? r.json() : null))
      .then((c) => { if (c) catalog = c; }).catch(() => {});
  }
  function t(msgid, vars) {
    const text = catalog.messages[msgid] || msgid;
    return text.replace(/%\((\w+)\)s/g, (m, k) => (vars && k in vars ? String(vars[k]) : m));
  }
  const PAST = {
    approve: () => t("approved"), reject: () => t("rejected"),
    remove: () => t("removed"), restore: () => t("restored"),
  };
  const past = (action) => (PAST[action] ? PAST[action]() : action);
  const VERB = {
    approve: () => t("approve"), reject: () => t("reject"),
    remove: () => t("remove"), restore: () => t("restore"),
  };
  const verb = (action) => (VERB[action] ? VERB[action]() : action);
  let current = 0;
  let last = null;  // the item decided last: u takes that decision back

  const items = () => Array.from(root.querySelectorAll("li.q-item"));
  const open = () => items().filter((li) => !li.classList.contains("decided"));
  const say = (text) => { status.textContent = text; };

  function focus(index) {
    const list = items();
    if (!list.length) return;
    current = Math.max(0, Math.min(index, list.length - 1));
    list.forEach((li, i) => li.classList.toggle("current", i === current));
    list[current].focus({ preventScroll: false });
  }

  function at() { return items()[current] || null; }

  async function api(method, path, body) {
    const response = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    });
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    return { ok: response.ok, status: response.status, data };
  }

  function markDecided(li, text) {
    li.classList.add("decided");
    for (const control of li.querySelectorAll("button, select, input")) control.disabled = true;
    let note = li.querySelector(".q-outcome");
    if (!note) {
      note = document.createElement("p");
      note.className = "q-outcome";
      li.querySelector(".q-actions").before(note);
    }
    note.textContent = text;
  }

  function reasonOf(li) {
    const form = li.querySelector(".reject-form");
    return {
      reason: form ? form.querySelector("select[name=reason]").value : null,
      note: form ? form.querySelector("input[name=note]").value || null : null,
    };
  }

  async function decide(li, action) {
    if (!li || li.classList.contains("decided") && action !== "restore") return;
    const id = li.dataset.id;
    const body = { action, version: Number(li.dataset.version) };
    if (action === "reject") Object.assign(body, reasonOf(li));
    mine.add(id);
    const r = await api("POST", "/api/v1/comments/" + id + "/decision", body);
    if (r.ok) {
      li.dataset.version = String(Number(li.dataset.version) + 1);
      markDecided(li, t("%(decision)s — press u to undo", { decision: past(action) }));
      li.classList.remove("decided");
      li.classList.add("done");
      for (const control of li.querySelectorAll("button, select, input")) control.disabled = true;
      say(t("Comment by %(author)s: %(action)s done.", { author: li.dataset.author, action: verb(action) }));
      last = action === "restore" ? null : li;
      const rest = open().filter((x) => !x.classList.contains("done"));
      if (action !== "restore" && rest.length) focus(items().indexOf(rest[0]));
    } else {
      const message = r.data && r.data.error ? r.data.error.message : t("Failed (%(status)s)", { status: r.status });
      if (r.status === 409) markDecided(li, message);
      say(message);
    }
  }

  async function undo(li) {
    if (!li) return;
    li.classList.remove("decided", "done");
    await decide(li, "restore");
    for (const control of li.querySelectorAll("button, select, input")) control.disabled = false;
  }

  async function bulk(action) {
    const chosen = items().filter((li) => li.querySelector(".q-select input").checked);
    if (!chosen.length) { say(t("Select comments first (x).")); return; }
    const form = document.getElementById("bulk");
    const versions = {};
    for (const li of chosen) { versions[li.dataset.id] = Number(li.dataset.version); mine.add(li.dataset.id); }
    const body = { action, ids: chosen.map((li) => Number(li.dataset.id)), versions };
    if (action === "reject") {
      body.reason = form.querySelector("#reason").value;
      body.note = form.querySelector("#note").value || null;
    }
    const r = await api("POST", "/api/v1/moderation/decisions", body);
    if (!r.ok) { say(r.data && r.data.error ? r.data.error.message : t("Failed (%(status)s)", { status: r.status })); return; }
    let done = 0;
    for (const result of r.data.results) {
      const li = document.getElementById("q" + result.id);
      if (!li) continue;
      if (result.ok) { done += 1; markDecided(li, past(action)); }
      else markDecided(li, result.message);
    }
    say(t("%(done)s of %(chosen)s selected: %(action)s done.", { done, chosen: chosen.length, action: verb(action) }));
  }

  root.addEventListener("submit", (event) => {
    const form = event.target;
    const li = form.closest("li.q-item");
    if (!li || form.classList.contains("ban-form")) return;
    event.preventDefault();
    const action = (event.submitter && event.submitter.value) || form.querySelector("input[name=action]").value;
    decide(li, action);
  });

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const li = at();
    const keys = {
      j: () => focus(current + 1), ArrowDown: () => focus(current + 1),
      k: () => focus(current - 1), ArrowUp: () => focus(current - 1),
      a: () => decide(li, "approve"), r: () => decide(li, "reject"),
      u: () => undo(tab === "decided" ? li : last),
      x: () => { const box = li && li.querySelector(".q-select input"); if (box) box.checked = !box.checked; },
      b: () => { const input = li && li.querySelector(".ban-form input[name=reason]"); if (input) input.focus(); },
      A: () => bulk("approve"), R: () => bulk("reject"),
    };
    const run = keys[event.key];
    if (!run) return;
    event.preventDefault();
    run();
  });

  // Live: decisions by others, and the tabs' sizes.
  if (window.EventSource) {
    const stream = new EventSource("/api/v1/moderation/stream?site=" + encodeURIComponent(site));
    let shown = null;
    stream.addEventListener("decided", (event) => {
      const d = JSON.parse(event.data);
      const li = document.getElementById("q" + d.comment_id);
      if (!li || mine.has(String(d.comment_id))) return;
      markDecided(li, t("Already decided: %(decision)s by %(actor)s.", { decision: past(d.action), actor: d.actor }));
      say(t("Comment by %(author)s was decided by %(actor)s.", { author: li.dataset.author, actor: d.actor }));
    });
    stream.addEventListener("counts", (event) => {
      const counts = JSON.parse(event.data).counts;
      for (const [name, n] of Object.entries(counts)) {
        const badge = root.querySelector('[data-count="' + name + '"]');
        if (badge) badge.textContent = String(n);
      }
      if (shown !== null && counts[tab] > shown) say(t("New items arrived: reload to see them."));
      shown = counts[tab];
    });
  }
  focus(0);
})();
