// Myna annotation UI. Text from tasks is only ever put into the page with textContent, so a
// text containing markup stays text. Keys: a accept, x reject, space skip, backspace undo,
// 1-9 pick a label (NER: the label for the next highlight; choice: toggle an option).
"use strict";

// queue: tasks to show after the current one (an undo puts the task it replaced there).
const state = { config: null, task: null, queue: [], labelIndex: 0, anchor: null, busy: false,
                session: new URLSearchParams(location.search).get("session") || "default",
                answered: 0 };
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, text = null) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== null) node.textContent = text;
  return node;
}

async function api(path, body) {
  const init = body === undefined ? {} : {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": state.config.csrf_token },
    body: JSON.stringify({ session: state.session, ...body }) };
  const res = await fetch(path, init);
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const where = data.where ? ` (${data.where})` : "";
    throw new Error((data.detail || data.error || res.statusText) + where);
  }
  return data;
}

function setStatus(text, isError = false) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : "";
}

// ---- labels ---------------------------------------------------------------------------
function renderLabels() {
  const nav = $("labels");
  nav.replaceChildren();
  if (state.config.view !== "ner") return;
  state.config.labels.forEach((label, i) => {
    const b = el("button", { "data-label": label }, `${i + 1} ${label}`);
    if (i === state.labelIndex) b.classList.add("active");
    b.addEventListener("click", () => { state.labelIndex = i; renderLabels(); });
    nav.append(b);
  });
}

// ---- NER view -------------------------------------------------------------------------
function renderNer() {
  const task = state.task, box = $("text");
  box.replaceChildren();
  const spans = [...task.spans].sort((a, b) => a.start - b.start);
  let s = 0;
  for (let i = 0; i < task.tokens.length; i++) {
    const tok = task.tokens[i];
    while (s < spans.length && spans[s].end <= tok.start) s++;
    const span = spans[s];
    if (span && span.start <= tok.start && tok.end <= span.end) {
      const mark = el("mark", { class: "ent", "data-label": span.label, title: "click to remove" });
      let j = i;
      for (; j < task.tokens.length && task.tokens[j].end <= span.end; j++) {
        const t = task.tokens[j];
        mark.append(el("span", { class: "tok", "data-i": j }, t.text));
        if (t.ws && task.tokens[j + 1] && task.tokens[j + 1].end <= span.end) mark.append(" ");
      }
      mark.append(el("span", { class: "lab" }, span.label));
      mark.addEventListener("mousedown", (e) => e.stopPropagation());
      mark.addEventListener("click", () => {
        task.spans = task.spans.filter((x) => x !== span);
        renderNer();
      });
      box.append(mark);
      if (task.tokens[j - 1].ws) box.append(" ");
      i = j - 1;
      continue;
    }
    const node = el("span", { class: "tok", "data-i": i }, tok.text);
    box.append(node);
    if (tok.ws) box.append(" ");
  }
}

function tokenIndex(target) {
  const node = target.closest ? target.closest(".tok") : null;
  return node && !node.closest("mark") ? Number(node.dataset.i) : null;
}

function addSpan(a, b) {
  const task = state.task, [lo, hi] = a <= b ? [a, b] : [b, a];
  const start = task.tokens[lo].start, end = task.tokens[hi].end;
  const label = state.config.labels[state.labelIndex];
  task.spans = task.spans.filter((s) => s.end <= start || s.start >= end);
  task.spans.push({ start, end, label });
  renderNer();
}

// ---- choice, classification and review views -----------------------------------------
function renderChoice() {
  const box = $("options"), task = state.task;
  box.replaceChildren();
  task.options.forEach((opt, i) => {
    const chosen = task.accept.includes(opt.id);
    const input = el("input", { type: state.config.exclusive ? "radio" : "checkbox",
                                name: "choice", value: opt.id });
    input.checked = chosen;
    input.addEventListener("change", () => toggle(i));
    const label = el("label", { class: chosen ? "chosen" : "" });
    label.append(input, ` ${i + 1}  `, el("span", {}, opt.text));
    box.append(label);
  });
}

function toggle(i) {
  const task = state.task, id = task.options[i] && task.options[i].id;
  if (id === undefined) return;
  if (state.config.exclusive) task.accept = [id];
  else task.accept = task.accept.includes(id) ? task.accept.filter((x) => x !== id)
                                              : [...task.accept, id];
  renderChoice();
}

function describe(version) {
  if (version.spans && version.spans.length)
    return version.spans.map((s) => `${state.task.text.slice(s.start, s.end)} → ${s.label}`)
      .join(" · ");
  const cats = Object.entries(version.cats || {}).filter(([, v]) => v >= 0.5).map(([k]) => k);
  if (version.label) return `${version.label}: ${version.answer}`;
  return cats.length ? cats.join(", ") : `(${version.answer}, nothing marked)`;
}

function renderVersions() {
  const box = $("versions");
  box.replaceChildren();
  for (const v of state.task.versions || []) {
    const row = el("div", { class: "version" });
    const use = el("button", {}, "use");
    use.addEventListener("click", () => {
      if (state.config.view === "ner") { state.task.spans = v.spans.map((s) => ({ ...s })); renderNer(); }
      else { state.task.accept = Object.keys(v.cats).filter((k) => v.cats[k] >= 0.5); renderChoice(); }
    });
    row.append(use, el("strong", {}, ` ${v.sessions.join(", ")}: `), el("span", {}, describe(v)));
    box.append(row);
  }
}

function render() {
  $("text").replaceChildren(); $("options").replaceChildren(); $("versions").replaceChildren();
  $("question").textContent = ""; $("meta").textContent = "";
  const task = state.task;
  if (!task) {
    $("question").textContent = "No more tasks. Thank you!";
    for (const id of ["accept", "reject", "ignore"]) $(id).disabled = true;
    return;
  }
  for (const id of ["accept", "reject", "ignore"]) $(id).disabled = false;
  const view = state.config.view;
  if (view === "ner") renderNer();
  else $("text").textContent = task.text;
  if (view === "choice") renderChoice();
  if (view === "classification")
    $("question").textContent = `${task.label}?  (model: ${task.score})`;
  renderVersions();
  const meta = Object.entries(task.meta || {}).map(([k, v]) => `${k}: ${v}`).join(" · ");
  $("meta").textContent = (task.undone ? `undone (${task.undone}) · ` : "") + meta;
}

// ---- answers --------------------------------------------------------------------------
async function send(answer) {
  if (state.busy || !state.task) return;
  state.busy = true;
  const task = state.task, body = { id: task.id, answer, next: state.queue.length === 0 };
  if (state.config.view === "ner") body.spans = task.spans.map(({ start, end, label }) => ({ start, end, label }));
  if (state.config.view === "choice") body.accept = task.accept;
  if (state.config.view === "classification") body.label = task.label;
  let refresh = false;
  try {
    const data = await api("/api/answer", body);
    if (data.task) state.queue.push(data.task);
    state.task = state.queue.shift() || null;
    state.answered += 1;
    setStatus(`saved (${answer})`);
    render();
    showDone(data.done);
    refresh = state.answered % 5 === 0 || !state.task;
  } catch (err) {
    setStatus(err.message, true);
  } finally {
    state.busy = false;  // the next text is showing: keys for it must not be dropped
  }
  if (refresh) await refreshProgress();
}

async function undo() {
  if (state.busy) return;
  state.busy = true;
  let refresh = false;
  try {
    const data = await api("/api/undo", {});
    if (data.task) {
      if (state.task) state.queue.unshift(state.task);
      state.task = data.task;
      render();
      setStatus("undone");
      refresh = true;
    }
    else setStatus("nothing to undo");
  } catch (err) {
    setStatus(err.message, true);
  } finally {
    state.busy = false;  // an answer keyed as soon as the text is back must count
  }
  if (refresh) await refreshProgress();
}

function showDone(done) {
  $("session").textContent = `session ${state.session}: ${done} answered`;
}

async function refreshProgress() {
  let p;
  try {
    p = await api(`/api/progress?session=${encodeURIComponent(state.session)}`);
  } catch (err) {
    setStatus(err.message, true);
    return;
  }
  $("progress").textContent = `${p.answered} / ${p.examples} texts done`;
  $("progress-bar").max = Math.max(1, p.examples);
  $("progress-bar").value = p.answered;
  showDone(p.done);
  $("sessions").textContent = Object.entries(p.sessions)
    .map(([s, c]) => `${s}: ${Object.values(c).reduce((a, b) => a + b, 0)}`).join(" · ");
}

// ---- wiring ---------------------------------------------------------------------------
function onKey(e) {
  if (!state.config || e.ctrlKey || e.metaKey || e.altKey) return;
  const k = e.key;
  if (k === "a") send("accept");
  else if (k === "x") send("reject");
  else if (k === " ") send("ignore");
  else if (k === "Backspace") undo();
  else if (/^[1-9]$/.test(k)) {
    const i = Number(k) - 1;
    if (state.config.view === "ner" && i < state.config.labels.length) { state.labelIndex = i; renderLabels(); }
    else if (state.config.view === "choice") toggle(i);
    else return;
  } else return;
  e.preventDefault();
}

async function start() {
  // Listen first: a key pressed as soon as the text shows must not be lost.
  document.addEventListener("keydown", onKey);
  // A focused button would also take the space/enter keys meant for the shortcuts.
  document.addEventListener("click", (e) => {
    const focusable = e.target.closest && e.target.closest("button, input");
    if (focusable) focusable.blur();
  });
  $("accept").addEventListener("click", () => send("accept"));
  $("reject").addEventListener("click", () => send("reject"));
  $("ignore").addEventListener("click", () => send("ignore"));
  $("undo").addEventListener("click", undo);
  const box = $("text");
  box.addEventListener("mousedown", (e) => {
    if (!state.config || state.config.view !== "ner") return;
    state.anchor = tokenIndex(e.target);
    if (state.anchor !== null) e.target.classList.add("sel");
  });
  box.addEventListener("mouseup", (e) => {
    if (!state.config || state.config.view !== "ner" || state.anchor === null) return;
    const end = tokenIndex(e.target);
    if (end !== null) addSpan(state.anchor, end);
    state.anchor = null;
  });
  try {
    state.config = await api("/api/config");
    $("dataset").textContent = `${state.config.dataset} · ${state.config.recipe}`;
    renderLabels();
    const data = await api(`/api/next?session=${encodeURIComponent(state.session)}&resume=1`);
    state.task = data.task;
    render();
    await refreshProgress();
  } catch (err) {
    setStatus(err.message, true);
  }
}

start();
