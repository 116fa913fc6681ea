// vibing2-lab: the %%vibe chat/preview panel, part 5 of 5 (an anywidget ES module once joined
// with dom.js, highlight.js, markdown.js and steps.js by widget/panel.py; no imports, works offline).
//
// Model output is untrusted. It reaches the page only as text nodes: the Markdown is
// parsed into DOM elements built with createElement/createTextNode, never innerHTML, and
// links keep to http(s)/mailto. Generated pages run only inside
// <iframe sandbox="allow-scripts" srcdoc> (never with the same-origin flag), so they cannot reach the
// Jupyter origin, its cookies or its API. The kernel sends each page finished by the preview policy
// (vibing2_lab/preview.py: its CSP meta first); the policy itself is not written here.
//
// Data: the `answers` trait holds each answer's metadata (set at the start, and at the end with
// the full text); while streaming, custom messages {type: "frame", deltas, status, tokens}
// carry only the new text, and {type: "step"} / {type: "notebook"} messages the tool steps
// (steps.js). A per-model store accumulates them so every view shows the same.

// A document that does not START with a CSP meta did not come from the kernel's policy (e.g. a
// tampered widget state in a shared notebook): it is not run at all.
const POLICY_FIRST = /^(?:\ufeff)?\s*(?:<!doctype[^>]*>)?<meta http-equiv="Content-Security-Policy" content="[^"]*">/i;
const LIVE = new Set(["streaming", "waiting"]);

/* ------------------------------------------------------------------ per-model store */
const STORES = new WeakMap();

function storeOf(model) {
  let store = STORES.get(model);
  if (!store) {
    store = { answers: [], listeners: new Set(), els: new Set(), started: performance.now() };
    const sync = () => {
      store.answers = (model.get("answers") || []).map((a) => ({ ...a, tokens: 0, steps: (a.steps || []).map((s) => ({ ...s })) }));
    };
    const emit = () => store.listeners.forEach((listener) => listener());
    sync();
    model.on("change:answers", () => { sync(); emit(); });
    model.on("change:status", emit);
    model.on("msg:custom", (msg) => {
      if (msg && STEP_MESSAGES[msg.type]) {
        STEP_MESSAGES[msg.type](store, msg);
        emit();
        return;
      }
      if (!msg || msg.type !== "frame") return;
      for (const [i, text] of msg.deltas || []) {
        if (store.answers[i]) store.answers[i].text += text;
      }
      for (const [i, status] of msg.status || []) {
        if (store.answers[i]) store.answers[i].status = status;
      }
      for (const [i, count] of msg.tokens || []) {
        if (store.answers[i]) store.answers[i].tokens = count;
      }
      emit();
    });
    STORES.set(model, store);
  }
  return store;
}

/* ------------------------------------------------------------------ views */
// CSP cannot stop a page from navigating itself (location.href, a link, <meta refresh>): every
// load after the first is a navigation, so the frame is replaced with a notice. (The request that
// navigated has left by then; README "Preview" says so.)
function previewFrame(doc, onNavigate) {
  const frame = h("iframe", { sandbox: "allow-scripts", title: "Preview of the generated page", referrerpolicy: "no-referrer" });
  let loads = 0;
  frame.addEventListener("load", () => { if (++loads > 1) onNavigate(); });
  frame.srcdoc = doc;
  return frame;
}

function notice(kind, text, reopen) {
  const box = h("div", { class: "vibe-preview-notice", role: "alert", "data-vibe-preview": kind }, h("p", {}, text));
  if (reopen) {
    const again = h("button", { class: "vibe-button", "aria-label": "Reload preview" }, "Reload preview");
    again.addEventListener("click", reopen);
    box.appendChild(again);
  }
  return box;
}


class AnswerView {
  constructor(model) {
    this.model = model;
    this.agent = h("span", { class: "vibe-agent" });
    this.modelName = h("span", { class: "vibe-model" });
    this.facts = h("span", { class: "vibe-facts" });
    this.answerTab = h("button", { class: "vibe-tab", role: "tab", "aria-label": "Answer", "aria-selected": "true" }, "Answer");
    this.previewTab = h("button", { class: "vibe-tab", role: "tab", "aria-label": "Preview", "aria-selected": "false", hidden: true }, "Preview");
    this.tabs = h("span", { class: "vibe-tabs", role: "tablist", hidden: true }, this.answerTab, this.previewTab);
    this.answerTab.addEventListener("click", () => this.show("answer"));
    this.previewTab.addEventListener("click", () => this.show("preview"));
    this.problem = h("div", { class: "vibe-problem", role: "status", hidden: true });
    this.body = h("div", { class: "vibe-body vibe-markdown" });
    this.previewPane = h("div", { class: "vibe-preview", hidden: true });
    this.node = h("section", { class: "vibe-answer", "data-vibe-status": "streaming" },
      h("header", { class: "vibe-head" }, this.agent, this.modelName, this.facts,
        this.tabs),
      this.problem, this.body, this.previewPane);
    this.text = null;
    this.doc = null;
    this.tab = null;
    this.segments = []; // one Markdown container per stretch of text between tool steps
    this.steps = new Map(); // step id -> StepView (keeps a step open while the answer streams)
  }

  // The answer's text cut at each step's offset, with the steps in between.
  renderBody(answer, el) {
    const text = answer.text || "";
    const steps = [...(answer.steps || [])].sort((a, b) => (a.at || 0) - (b.at || 0));
    const nodes = [];
    let from = 0;
    const segment = (piece) => {
      const n = nodes.filter((node) => node.classList.contains("vibe-segment")).length;
      const div = this.segments[n] || (this.segments[n] = h("div", { class: "vibe-segment" }));
      if (this.model.get("format") === "text") div.replaceChildren(h("pre", { class: "vibe-plain" }, piece));
      else renderMarkdown(div, piece);
      nodes.push(div);
    };
    for (const step of steps) {
      const at = Math.min(Math.max(step.at || 0, from), text.length);
      if (at > from) segment(text.slice(from, at));
      from = at;
      const view = this.steps.get(step.id) || new StepView();
      this.steps.set(step.id, view);
      view.update(step, el);
      nodes.push(view.node);
    }
    if (from < text.length || !nodes.length) segment(text.slice(from));
    this.segments.length = nodes.filter((node) => node.classList.contains("vibe-segment")).length;
    const same = nodes.length === this.body.children.length && nodes.every((node, i) => this.body.children[i] === node);
    if (!same) this.body.replaceChildren(...nodes);
  }

  show(tab) {
    this.tab = tab;
    const preview = tab === "preview" && this.doc !== null;
    this.answerTab.setAttribute("aria-selected", String(!preview));
    this.previewTab.setAttribute("aria-selected", String(preview));
    this.body.hidden = preview;
    this.previewPane.hidden = !preview;
    if (preview && !this.previewPane.firstChild) this.openPreview();
  }

  openPreview() {
    if (!POLICY_FIRST.test(this.doc)) {
      this.previewPane.replaceChildren(notice("refused", "This preview was not made under vibing2-lab's preview " +
        "policy (it may come from an edited notebook), so it is not shown. Run the cell again to preview it."));
      return;
    }
    const reopen = () => { this.previewPane.replaceChildren(); this.openPreview(); };
    const navigated = () => this.previewPane.replaceChildren(notice("navigated", "The page tried to leave the " +
      "preview (a link, a redirect or a script navigating) and was stopped.", reopen));
    this.previewPane.replaceChildren(previewFrame(this.doc, navigated));
  }

  update(answer, started, el) {
    this.node.setAttribute("data-vibe-status", answer.status);
    if (answer.agent) this.node.setAttribute("data-vibe-agent", answer.agent);
    this.agent.textContent = answer.agent || "answer";
    this.modelName.textContent = answer.model || "";
    if (LIVE.has(answer.status)) {
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      this.facts.textContent = answer.status === "waiting" ? "waiting for the previous agent"
        : `${seconds} s · ${answer.tokens || 0} tokens`;
    } else {
      this.facts.textContent = (answer.facts || []).filter((f) => f !== answer.model).join(" · ") || answer.status;
    }
    this.problem.textContent = answer.problem || ({ cancelled: "Stopped.", error: "Failed." }[answer.status] ?? "");
    this.problem.hidden = !this.problem.textContent;
    const shown = answer.text + "\u0000" + JSON.stringify(answer.steps || []);
    if (shown !== this.text) {
      this.text = shown;
      this.renderBody(answer, el);
    }
    if (answer.preview && answer.preview !== this.doc) {
      this.doc = answer.preview;
      this.previewPane.replaceChildren();
      this.previewTab.hidden = false;
      this.tabs.hidden = false;
      this.show(this.tab || (this.model.get("format") === "html" ? "preview" : "answer"));
    }
  }
}

function render({ model, el }) {
  const store = storeOf(model);
  const views = [];
  const status = h("span", { class: "vibe-status", role: "status" });
  const stop = h("button", { class: "vibe-button vibe-stop", "aria-label": "Stop", title: "Stop the answer (interrupts the kernel)" }, "Stop");
  const note = h("span", { class: "vibe-note", role: "alert" });
  const list = h("div", { class: "vibe-answers" });
  const root = h("div", { class: "vibe-panel" }, h("div", { class: "vibe-toolbar" }, status, stop, note), list);
  el.appendChild(root);

  stop.addEventListener("click", async () => {
    stop.disabled = true;
    stop.textContent = "Stopping…";
    let ok = false;
    try { ok = await interruptKernel(model.get("kernel_id")); } catch (_) { ok = false; }
    if (!ok) {
      stop.disabled = false;
      stop.textContent = "Stop";
      note.textContent = "Could not interrupt the kernel from here: use Kernel › Interrupt Kernel.";
    }
  });

  let scheduled = false;
  const draw = () => {
    scheduled = false;
    root.setAttribute("data-vibe-mode", model.get("mode"));
    store.answers.forEach((answer, i) => {
      if (!views[i]) { views[i] = new AnswerView(model); list.appendChild(views[i].node); }
      views[i].update(answer, store.started, el);
    });
    while (views.length > store.answers.length) views.pop().node.remove();
    const live = model.get("status") === "streaming" && store.answers.some((a) => LIVE.has(a.status));
    stop.hidden = !live;
    status.textContent = live ? "Streaming…" : ({ complete: "", error: "Failed", cancelled: "Stopped" }[model.get("status")] ?? "");
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(draw);
  };
  draw();
  store.els.add(el);
  drainNotebook(store);
  store.listeners.add(schedule);
  const ticker = setInterval(() => { if (!stop.hidden) schedule(); }, 250);
  return () => {
    store.listeners.delete(schedule);
    store.els.delete(el);
    clearInterval(ticker);
  };
}

function initialize({ model }) {
  storeOf(model); // start collecting frames before any view exists
}

export default { initialize, render };
