// vibing2-lab panel, part 4 of 5: tool steps, consent questions, and answers over stdin.
//
// A running cell cannot read widget messages (the kernel handles them only after the cell),
// so a question from the kernel is answered on the kernel's stdin channel: the kernel sends
// the question as a widget message AND an input_request whose prompt starts "[vibe:TOKEN]";
// JupyterLab shows that request as an input box in this output area; the buttons here fill
// the box and press Enter. A person can type the same answer (y / a / n: reason) in the box.
// See magics/stdin.py for the kernel side.

const STEP_LIVE = new Set(["running", "pending"]);
const STDIN_WAIT_MS = 15000;

// The unanswered input box of this output area whose prompt carries `token`.
function stdinBox(el, token) {
  const area = el.closest(".jp-OutputArea") || document;
  for (const item of area.querySelectorAll(".jp-OutputArea-stdin-item")) {
    if (item.classList.contains("jp-OutputArea-stdin-hiding")) continue; // answered, fading out
    const prompt = item.querySelector(".jp-Stdin-prompt");
    const input = item.querySelector(".jp-Stdin-input");
    if (input && prompt && prompt.textContent.includes(`[vibe:${token}]`)) return { item, input };
  }
  return null;
}

// Type `value` into the question's input box and press Enter (JupyterLab sends input_reply).
// The input_request may arrive a moment after the widget message: wait for its box.
async function answerStdin(el, token, value, { hide = false } = {}) {
  const deadline = performance.now() + STDIN_WAIT_MS;
  for (;;) {
    const box = stdinBox(el, token);
    if (box) {
      if (hide) box.item.style.display = "none";
      box.input.value = value;
      box.input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", code: "Enter", bubbles: true }));
      void hideEcho(el, token);
      return true;
    }
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// JupyterLab keeps an answered question as a stream output ("prompt answer") until the cell
// ends (the kernel then replaces the whole output): the step already shows the answer.
async function hideEcho(el, token) {
  const area = el.closest(".jp-OutputArea");
  for (let tries = 0; area && tries < 20; tries++) {
    for (const child of area.querySelectorAll(".jp-OutputArea-child")) {
      const output = child.querySelector(".jp-OutputArea-output");
      if (output && !child.querySelector(".jp-Stdin-input") && output.textContent.startsWith(`[vibe:${token}]`)) {
        child.style.display = "none";
        return;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// The labextension (notebook bridge) answers `vibing2-lab:notebook` DOM events from this
// output with the live notebook's cells or the result of an edit, synchronously in
// `detail.result`. Nobody listening (another front end): an error the model can read.
function notebookRequest(el, op, input) {
  const detail = { op, input, result: null };
  const event = new CustomEvent("vibing2-lab:notebook", { bubbles: true, cancelable: true, composed: true, detail });
  el.dispatchEvent(event);
  if (event.defaultPrevented && detail.result) return detail.result;
  return { ok: false, error: "No JupyterLab notebook took the request here (is the vibing2-lab extension enabled?)." };
}

function stepSummary(step) {
  const input = step.input || {};
  const first = String(input.code ?? input.command ?? input.file_path ?? input.pattern ?? input.edit_mode ?? "")
    .split("\n")[0];
  return first.length > 80 ? first.slice(0, 79) + "…" : first;
}

function stepFacts(step) {
  const facts = [step.status === "pending" ? "waiting for your answer" : step.status];
  if (typeof step.duration === "number" && !STEP_LIVE.has(step.status)) facts.push(`${step.duration.toFixed(1)} s`);
  const consent = step.consent || {};
  if (consent.by === "user") facts.push(consent.verdict === "deny" ? "denied by you" : "allowed by you");
  return facts.join(" · ");
}

function inputText(step) {
  const input = step.input || {};
  if (typeof input.code === "string") return input.code;
  if (typeof input.command === "string") return input.command;
  return JSON.stringify(input, null, 2);
}

// A unified diff (Edit / Write descriptions) with added and removed lines marked.
function diffBlock(text) {
  const pre = h("pre", { class: "vibe-step-text vibe-diff" });
  for (const line of String(text).split("\n")) {
    const kind = line.startsWith("+") && !line.startsWith("+++") ? "add"
      : line.startsWith("-") && !line.startsWith("---") ? "del" : null;
    pre.appendChild(h("span", { class: kind ? `vibe-diff-${kind}` : null }, line + "\n"));
  }
  return pre;
}

class StepView {
  constructor() {
    this.summary = h("summary", { class: "vibe-step-head" });
    this.details = h("div", { class: "vibe-step-details" });
    this.node = h("details", { class: "vibe-step" }, this.summary, this.details);
    this.shown = null;
  }

  update(step, el) {
    this.node.setAttribute("data-vibe-tool", step.name);
    this.node.setAttribute("data-vibe-step-status", step.status);
    const key = JSON.stringify(step);
    if (key === this.shown) return;
    this.shown = key;
    this.summary.replaceChildren(h("span", { class: "vibe-step-name" }, step.name),
      h("span", { class: "vibe-step-facts" }, stepFacts(step)),
      h("span", { class: "vibe-step-brief" }, stepSummary(step)));
    // While asking, the description (the code, the command, the diff) says what the input would do.
    const parts = step.ask && step.ask.description ? [this.question(step, el)]
      : [h("div", { class: "vibe-step-label" }, "Input"), h("pre", { class: "vibe-step-text" }, inputText(step))];
    if (step.ask && !step.ask.description) parts.push(this.question(step, el));
    if (step.content) parts.push(h("div", { class: "vibe-step-label" }, "Result"), h("pre", { class: "vibe-step-text" }, step.content));
    this.details.replaceChildren(...parts);
    // A question is never hidden in a collapsed step; once answered, the step folds again.
    if (step.ask) { this.node.open = true; this.openedToAsk = true; }
    else if (this.openedToAsk) { this.node.open = false; this.openedToAsk = false; }
  }

  question(step, el) {
    const ask = step.ask;
    const reason = h("input", { class: "vibe-reason", type: "text", "aria-label": "Reason", placeholder: "reason (optional, sent to the model)" });
    const note = h("span", { class: "vibe-note", role: "status" });
    const buttons = [];
    const reply = async (value) => {
      buttons.forEach((b) => { b.disabled = true; });
      note.textContent = "Answering…";
      const ok = await answerStdin(el, ask.token, value);
      if (!ok) {
        buttons.forEach((b) => { b.disabled = false; });
        note.textContent = "Could not reach the kernel's input box: type y, a or n in it below.";
      }
    };
    const button = (label, value, cls) => {
      const b = h("button", { class: `vibe-button ${cls}`, "aria-label": label }, label);
      b.addEventListener("click", () => reply(typeof value === "function" ? value() : value));
      buttons.push(b);
      return b;
    };
    const what = ask.description ? (/^(---|\+\+\+|@@) /m.test(ask.description) ? diffBlock(ask.description)
      : h("pre", { class: "vibe-step-text" }, ask.description)) : null;
    return h("div", { class: "vibe-ask", role: "group", "aria-label": `Consent for ${step.name}` },
      h("div", { class: "vibe-step-label" }, `${step.name} wants to do this:`), what,
      h("div", { class: "vibe-ask-buttons" },
        button("Allow once", "y", "vibe-allow"),
        button("Allow for this cell", "a", "vibe-allow"),
        button("Deny", () => `n: ${reason.value.replace(/\s+/g, " ").trim()}`.replace(/: $/, ""), "vibe-deny"),
        reason, note));
  }
}

// Kernel messages about steps, applied to the per-model store (panel.js storeOf).
const STEP_MESSAGES = {
  step(store, msg) {
    const answer = store.answers[msg.answer];
    if (!answer) return;
    const steps = answer.steps || (answer.steps = []);
    const found = steps.find((s) => s.id === msg.step.id);
    const at = (answer.text || "").length;
    if (found) Object.assign(found, msg.step);
    else steps.push({ at, ...msg.step });
  },
  notebook(store, msg) {
    (store.notebook || (store.notebook = [])).push(msg);
    drainNotebook(store);
  },
};

// Notebook requests are answered once per model, from a view that shows this output (the
// labextension finds the notebook from the element that dispatches the event); one that
// arrives before any view is drawn waits for the first (panel.js calls this on render).
function drainNotebook(store) {
  const el = [...store.els].find((node) => node.isConnected);
  if (!el) return;
  for (const msg of (store.notebook || []).splice(0)) {
    const result = notebookRequest(el, msg.op, msg.input || {});
    void answerStdin(el, msg.token, JSON.stringify(result), { hide: true });
  }
}
