// vibing2-lab: the %%vibe chat/preview panel (an anywidget ES module; no imports, works offline).
//
// Model output is untrusted. It reaches the page only as text nodes: the Markdown below is
// parsed into DOM elements built with createElement/createTextNode, never innerHTML, and
// links keep to http(s)/mailto. Generated pages run only inside
// <iframe sandbox="allow-scripts" srcdoc> (never allow-same-origin) under a CSP that forbids
// every request, so they cannot reach the Jupyter origin, its cookies, its API or the network.
//
// Data: the `answers` trait holds each answer's metadata (set at the start, and at the end with
// the full text); while streaming, custom messages {type: "frame", deltas, status, tokens}
// carry only the new text. A per-model store accumulates them so every view shows the same.

const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:";
const CSP_META = `<meta http-equiv="Content-Security-Policy" content="${CSP}">`;
const SAFE_URL = /^(https?:|mailto:|#)/i;
const LIVE = new Set(["streaming", "waiting"]);

/* ------------------------------------------------------------------ DOM helpers */
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

/* ------------------------------------------------------------------ syntax highlighting */
const WORDS = {
  python: "and as assert async await break class continue def del elif else except False finally for from global if import in is lambda None nonlocal not or pass raise return True try while with yield match case self",
  js: "async await break case catch class const continue debugger default delete do else export extends false finally for from function if import in instanceof let new null of return static super switch this throw true try typeof undefined var void while with yield interface type enum implements",
  sql: "select from where group by order having join left right inner outer full cross on as and or not null insert into values update set delete create table view index with limit offset distinct count sum avg min max case when then else end union all is in like between primary key references drop alter",
  bash: "if then else elif fi for while do done case esac function in return export local echo cd set unset source",
  css: "", html: "",
};
const ALIASES = {
  py: "python", python3: "python", ipython: "python", ipython3: "python",
  javascript: "js", mjs: "js", ts: "js", typescript: "js", jsx: "js", tsx: "js", json: "js",
  sh: "bash", shell: "bash", zsh: "bash", console: "bash",
  postgres: "sql", postgresql: "sql", sqlite: "sql", mysql: "sql",
  htm: "html", xml: "html", svg: "html", vue: "html", scss: "css", less: "css",
};
const RULES = {
  python: [["com", /#[^\n]*/], ["str", /[rbfu]{0,2}("""[\s\S]*?(?:"""|$)|'''[\s\S]*?(?:'''|$)|"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?)/], ["num", /\b\d[\d_]*(?:\.\d+)?(?:e[+-]?\d+)?j?\b/], ["word", /[A-Za-z_]\w*/]],
  js: [["com", /\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$)/], ["str", /`(?:\\.|[^`\\])*`?|"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?/], ["num", /\b\d[\d_]*(?:\.\d+)?(?:e[+-]?\d+)?n?\b/], ["word", /[A-Za-z_$][\w$]*/]],
  sql: [["com", /--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)/], ["str", /'(?:''|[^'])*'?/], ["num", /\b\d+(?:\.\d+)?\b/], ["word", /[A-Za-z_]\w*/]],
  bash: [["com", /#[^\n]*/], ["str", /"(?:\\.|[^"\\])*"?|'[^']*'?/], ["var", /\$\{?\w+\}?/], ["word", /[A-Za-z_][\w-]*/]],
  css: [["com", /\/\*[\s\S]*?(?:\*\/|$)/], ["str", /"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?/], ["kw", /@[\w-]+/], ["attr", /[\w-]+(?=\s*:[^;{}]*[;}])/], ["num", /#[0-9a-fA-F]{3,8}\b|-?\d*\.?\d+(?:px|em|rem|%|vh|vw|s|ms|deg|fr)?\b/]],
  html: [["com", /<!--[\s\S]*?(?:-->|$)/], ["tag", /<\/?[A-Za-z][\w:-]*|\/?>/], ["attr", /[\w:-]+(?==)/], ["str", /"[^"]*"?|'[^']*'?/]],
};
const COMPILED = {};

function compiled(lang) {
  if (!COMPILED[lang]) {
    const rules = RULES[lang];
    COMPILED[lang] = {
      re: new RegExp(rules.map(([, re]) => `(${re.source})`).join("|"), "g"),
      kinds: rules.map(([kind]) => kind),
      words: new Set(WORDS[lang].split(" ").filter(Boolean).map((w) => (lang === "sql" ? w.toLowerCase() : w))),
      groups: rules.map(([, re]) => new RegExp(re.source + "|").exec("").length),
    };
  }
  return COMPILED[lang];
}

function highlight(code, language) {
  const lang = ALIASES[language] || language;
  const frag = document.createDocumentFragment();
  if (!RULES[lang]) {
    frag.appendChild(document.createTextNode(code));
    return frag;
  }
  const { re, kinds, words, groups } = compiled(lang);
  re.lastIndex = 0;
  let last = 0;
  let m;
  while ((m = re.exec(code)) !== null) {
    if (m[0] === "") { re.lastIndex++; continue; }
    let group = 1, kind = "word";
    for (let k = 0; k < kinds.length; k++) {
      if (m[group] !== undefined) { kind = kinds[k]; break; }
      group += groups[k];
    }
    if (kind === "word") kind = words.has(lang === "sql" ? m[0].toLowerCase() : m[0]) ? "kw" : "";
    if (m.index > last) frag.appendChild(document.createTextNode(code.slice(last, m.index)));
    frag.appendChild(kind ? h("span", { class: `vibe-tok-${kind}` }, m[0]) : document.createTextNode(m[0]));
    last = m.index + m[0].length;
  }
  if (last < code.length) frag.appendChild(document.createTextNode(code.slice(last)));
  return frag;
}

/* ------------------------------------------------------------------ clipboard, cell insertion, interrupt */
async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (_) {
    const area = h("textarea", { class: "vibe-offscreen", "aria-hidden": "true" });
    area.value = text;
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch (_) { ok = false; }
    area.remove();
    return ok;
  }
}

function flash(button, label, title) {
  const before = button.textContent;
  button.textContent = label;
  if (title) button.title = title;
  setTimeout(() => { button.textContent = before; }, 1500);
}

// The labextension listens on document and inserts the cell below this output; it calls
// preventDefault() to say so. When nobody does, the code goes to the clipboard instead.
async function insertCell(button, code, language) {
  const event = new CustomEvent("vibing2-lab:insert-cell", {
    bubbles: true, cancelable: true, composed: true, detail: { code, language },
  });
  button.dispatchEvent(event);
  if (event.defaultPrevented) {
    flash(button, "Inserted", "Inserted as a new cell below");
    return;
  }
  const copied = await copyText(code);
  flash(button, copied ? "Copied" : "Failed",
    copied ? "No notebook took the cell here: the code was copied to the clipboard instead"
      : "Could not insert the cell or copy the code");
}

function jupyterConfig() {
  const node = document.getElementById("jupyter-config-data");
  try { return node ? JSON.parse(node.textContent || "{}") : {}; } catch (_) { return {}; }
}

// A kernel busy running the cell cannot read a widget message until the cell ends, so Stop
// asks the Jupyter server to interrupt the kernel (as Kernel > Interrupt does).
async function interruptKernel(kernelId) {
  if (!kernelId) return false;
  const config = jupyterConfig();
  const base = (config.baseUrl || "/").replace(/\/?$/, "/");
  const xsrf = (document.cookie.match(/(?:^|;\s*)_xsrf=([^;]*)/) || [])[1];
  const headers = {};
  if (xsrf) headers["X-XSRFToken"] = decodeURIComponent(xsrf);
  if (config.token) headers.Authorization = `token ${config.token}`;
  const response = await fetch(`${base}api/kernels/${encodeURIComponent(kernelId)}/interrupt`,
    { method: "POST", headers, credentials: "same-origin" });
  return response.ok;
}

/* ------------------------------------------------------------------ Markdown → DOM */
const INLINE = new RegExp([
  /(`+)([\s\S]*?[^`])\1(?!`)/.source,                               // 1,2 code span
  /(!?)\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?(?:\s+"([^"]*)")?\s*\)/.source, // 3,4,5,6 link / image
  /\*\*(?=\S)([\s\S]*?\S)\*\*/.source,                               // 7 strong
  /__(?=\S)([\s\S]*?\S)__(?!\w)/.source,                             // 8 strong
  /~~(?=\S)([\s\S]*?\S)~~/.source,                                   // 9 strike
  /\*(?=[^\s*])([\s\S]*?[^\s*])\*/.source,                           // 10 emphasis
  /(?<![\w])_(?=[^\s_])([\s\S]*?[^\s_])_(?!\w)/.source,              // 11 emphasis
  /<?(https?:\/\/[^\s<>()]*[^\s<>().,;:!?'"])>?/.source,             // 12 bare URL
  /\\([\\`*_{}[\]()#+\-.!~|<>])/.source,                             // 13 escaped character
  /( {2,}\n|\\\n)/.source,                                           // 14 hard line break
].join("|"), "g");

function link(text, url, title) {
  if (!SAFE_URL.test(url.trim())) return null;
  return h("a", { href: url.trim(), title: title || null, target: "_blank", rel: "noopener noreferrer nofollow" });
}

function inline(text, parent) {
  const re = new RegExp(INLINE.source, "g");
  let last = 0;
  let m;
  while ((m = re.exec(text)) !== null) {
    if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
    last = m.index + m[0].length;
    if (m[1] !== undefined) parent.appendChild(h("code", {}, m[2].replace(/^ (.*) $/s, "$1")));
    else if (m[3] !== undefined) {
      const label = m[3] === "!" ? `[image: ${m[4] || "untitled"}]` : m[4];
      const a = link(label, m[5], m[6]);
      if (a) { inline(label, a); parent.appendChild(a); } else inline(label, parent);
    } else if (m[7] !== undefined || m[8] !== undefined) inline(m[7] ?? m[8], parent.appendChild(h("strong")));
    else if (m[9] !== undefined) inline(m[9], parent.appendChild(h("del")));
    else if (m[10] !== undefined || m[11] !== undefined) inline(m[10] ?? m[11], parent.appendChild(h("em")));
    else if (m[12] !== undefined) {
      const a = link(m[12], m[12]);
      (a ? parent.appendChild(a) : parent).appendChild(document.createTextNode(m[12]));
    }
    else if (m[13] !== undefined) parent.appendChild(document.createTextNode(m[13]));
    else if (m[14] !== undefined) parent.appendChild(h("br"));
  }
  if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  return parent;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`]*)$/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const RULE = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
const QUOTE = /^ {0,3}> ?/;
const ITEM = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;
const TABLE_SEP = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

function isFenceEnd(line, fence) {
  const t = line.trim();
  return t.length >= fence.length && t[0] === fence[0] && /^([`~])\1*$/.test(t);
}

function startsBlock(lines, i) {
  const line = lines[i];
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) || ITEM.test(line)
    || (line.includes("|") && i + 1 < lines.length && TABLE_SEP.test(lines[i + 1]) && lines[i + 1].includes("-"));
}

// Blocks carry their source text (`src`), so a re-render keeps the DOM of unchanged blocks.
function parseBlocks(text) {
  const lines = text.split("\n");
  const blocks = [];
  let i = 0;
  while (i < lines.length) {
    const start = i;
    const line = lines[i];
    let m;
    if (!line.trim()) { i++; continue; }
    if ((m = FENCE.exec(line))) {
      const body = [];
      let closed = false;
      for (i++; i < lines.length; i++) {
        if (isFenceEnd(lines[i], m[1])) { closed = true; i++; break; }
        body.push(lines[i]);
      }
      blocks.push({ type: "code", lang: (m[2].trim().split(/\s+/)[0] || "").toLowerCase(), code: body.join("\n"), closed });
    } else if ((m = HEADING.exec(line))) {
      blocks.push({ type: "heading", level: m[1].length, text: m[2] }); i++;
    } else if (RULE.test(line)) {
      blocks.push({ type: "rule" }); i++;
    } else if (QUOTE.test(line)) {
      const inner = [];
      while (i < lines.length && lines[i].trim() && !FENCE.test(lines[i])) inner.push(lines[i++].replace(QUOTE, ""));
      blocks.push({ type: "quote", children: parseBlocks(inner.join("\n")) });
    } else if ((m = ITEM.exec(line))) {
      i = parseList(lines, i, blocks);
    } else if (line.includes("|") && i + 1 < lines.length && TABLE_SEP.test(lines[i + 1]) && lines[i + 1].includes("-")) {
      const rows = [line];
      for (i += 2; i < lines.length && lines[i].includes("|") && lines[i].trim(); i++) rows.push(lines[i]);
      blocks.push({ type: "table", rows: rows.map(splitRow) });
    } else {
      const para = [line];
      for (i++; i < lines.length && lines[i].trim() && !startsBlock(lines, i); i++) para.push(lines[i]);
      blocks.push({ type: "para", text: para.join("\n") });
    }
    blocks[blocks.length - 1].src = lines.slice(start, i).join("\n");
  }
  return blocks;
}

function splitRow(row) {
  return row.trim().replace(/^\|/, "").replace(/\|$/, "").split(/(?<!\\)\|/).map((c) => c.trim());
}

function parseList(lines, i, blocks) {
  const first = ITEM.exec(lines[i]);
  const indent = first[1].length;
  const ordered = /\d/.test(first[2]);
  const items = [];
  while (i < lines.length) {
    const m = ITEM.exec(lines[i]);
    if (!m || m[1].length !== indent || /\d/.test(m[2]) !== ordered) break;
    const body = [m[3]];
    for (i++; i < lines.length; i++) {
      const next = lines[i];
      const nm = ITEM.exec(next);
      if (nm && nm[1].length <= indent) break;
      if (!next.trim()) {
        const after = lines[i + 1];
        if (after === undefined || (after.trim() && after.length - after.trimStart().length <= indent && !ITEM.exec(after))) break;
        body.push("");
        continue;
      }
      if (next.length - next.trimStart().length <= indent && startsBlock(lines, i) && !nm) break;
      body.push(next.slice(Math.min(next.length - next.trimStart().length, indent + 2 + (ordered ? 1 : 0))));
    }
    items.push(parseBlocks(body.join("\n")));
  }
  blocks.push({ type: "list", ordered, start: ordered ? parseInt(first[2], 10) : null, items });
  return i;
}

function codeBlock(block) {
  const code = h("code", { class: block.lang ? `language-${block.lang}` : null }, highlight(block.code, block.lang));
  const copy = h("button", { class: "vibe-button", "aria-label": "Copy", title: "Copy the code" }, "Copy");
  const insert = h("button", { class: "vibe-button", "aria-label": "Insert cell", title: "Insert as a new cell below" }, "Insert cell");
  copy.addEventListener("click", async () => {
    const ok = await copyText(block.code);
    flash(copy, ok ? "Copied" : "Failed", ok ? "Copied to the clipboard" : "The browser refused to copy");
  });
  insert.addEventListener("click", () => insertCell(insert, block.code, block.lang));
  return h("div", { class: "vibe-code", "data-language": block.lang || null },
    h("div", { class: "vibe-code-bar" }, h("span", { class: "vibe-code-lang" }, block.lang || "code"), copy, insert),
    h("pre", {}, code));
}

const BLOCKS = {
  code: codeBlock,
  heading: (b) => inline(b.text, h(`h${b.level}`)),
  rule: () => h("hr"),
  para: (b) => inline(b.text, h("p")),
  quote: (b) => renderBlocks(b.children, h("blockquote")),
  table: (b) => {
    const [head, ...rows] = b.rows;
    return h("table", {},
      h("thead", {}, h("tr", {}, ...head.map((c) => inline(c, h("th"))))),
      h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((c) => inline(c, h("td")))))));
  },
  list: (b) => {
    const list = h(b.ordered ? "ol" : "ul", { start: b.ordered && b.start !== 1 ? b.start : null });
    for (const item of b.items) {
      const li = h("li");
      // A one-paragraph item shows its text directly, without a <p> margin.
      if (item.length === 1 && item[0].type === "para") inline(item[0].text, li);
      else renderBlocks(item, li);
      list.appendChild(li);
    }
    return list;
  },
};

function renderBlocks(blocks, parent) {
  for (const block of blocks) parent.appendChild(BLOCKS[block.type](block));
  return parent;
}

// Re-render only from the first block whose source changed: earlier blocks (and a selection
// or a focused button in them) stay as they are while the answer streams.
function renderMarkdown(container, text) {
  const blocks = parseBlocks(text);
  const previous = container.__vibeBlocks || [];
  let same = 0;
  while (same < blocks.length && same < previous.length && blocks[same].src === previous[same].src) same++;
  for (const old of previous.slice(same)) old.node.remove();
  const kept = previous.slice(0, same);
  for (const block of blocks.slice(same)) {
    const node = BLOCKS[block.type](block);
    container.appendChild(node);
    kept.push({ src: block.src, node });
  }
  container.__vibeBlocks = kept;
}

/* ------------------------------------------------------------------ per-model store */
const STORES = new WeakMap();

function storeOf(model) {
  let store = STORES.get(model);
  if (!store) {
    store = { answers: [], listeners: new Set(), started: performance.now() };
    const sync = () => {
      store.answers = (model.get("answers") || []).map((a) => ({ ...a, tokens: 0 }));
    };
    const emit = () => store.listeners.forEach((listener) => listener());
    sync();
    model.on("change:answers", () => { sync(); emit(); });
    model.on("change:status", emit);
    model.on("msg:custom", (msg) => {
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
// The kernel puts the CSP in every preview (store/preview.py escapes its quotes); a document
// without it gets one here, after a doctype so the page keeps its standards mode.
function withCsp(doc) {
  if (doc.includes(CSP_META) || doc.includes(CSP_META.replaceAll("'", "&#x27;"))) return doc;
  const doctype = /^\s*<!doctype[^>]*>/i.exec(doc);
  return doctype ? doctype[0] + CSP_META + doc.slice(doctype[0].length) : CSP_META + doc;
}

function previewFrame(doc) {
  const frame = h("iframe", { sandbox: "allow-scripts", title: "Preview of the generated page", referrerpolicy: "no-referrer" });
  frame.srcdoc = withCsp(doc);
  return frame;
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
  }

  show(tab) {
    this.tab = tab;
    const preview = tab === "preview" && this.doc !== null;
    this.answerTab.setAttribute("aria-selected", String(!preview));
    this.previewTab.setAttribute("aria-selected", String(preview));
    this.body.hidden = preview;
    this.previewPane.hidden = !preview;
    if (preview && !this.previewPane.firstChild) this.previewPane.appendChild(previewFrame(this.doc));
  }

  update(answer, started) {
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
    if (answer.text !== this.text) {
      this.text = answer.text;
      if (this.model.get("format") === "text") this.body.replaceChildren(h("pre", { class: "vibe-plain" }, answer.text));
      else renderMarkdown(this.body, answer.text);
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
      views[i].update(answer, store.started);
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
  store.listeners.add(schedule);
  const ticker = setInterval(() => { if (!stop.hidden) schedule(); }, 250);
  return () => {
    store.listeners.delete(schedule);
    clearInterval(ticker);
  };
}

function initialize({ model }) {
  storeOf(model); // start collecting frames before any view exists
}

export default { initialize, render };
