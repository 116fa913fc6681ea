// vibing2-lab panel, part 3 of 5: Markdown → DOM for streamed answers. Everything the model
// wrote becomes text nodes inside elements made here; links keep to http(s)/mailto/#.
// Why the widget has its own renderer (and must agree with the saved outputs' mistune on
// tests/magics/markdown_corpus.py): see "Markdown, three ways" in notebook/render.py.

const SAFE_URL = /^(https?:|mailto:|#)/i;

const INLINE = new RegExp([
  /(`+)()/.source,                                                    // 1 code span opener (2: none)
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

// Where the run of exactly n backticks that closes a code span starts, or -1 (CommonMark: only
// such a run closes it). Found by scanning runs, not by one regex with a backreference: that took
// seconds per re-render on 20 KB of backtick runs of growing length (the tab froze as it streamed).
function closingRun(text, from, n) {
  const runs = /`+/g;
  runs.lastIndex = from;
  for (let r = runs.exec(text); r !== null; r = runs.exec(text)) if (r[0].length === n) return r.index;
  return -1;
}

function inline(text, parent) {
  const re = new RegExp(INLINE.source, "g");
  let last = 0;
  let m;
  while ((m = re.exec(text)) !== null) {
    if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
    last = m.index + m[0].length;
    if (m[1] !== undefined) {
      const close = closingRun(text, last, m[1].length);
      if (close < 0) { parent.appendChild(document.createTextNode(m[1])); continue; }  // literal backticks
      parent.appendChild(h("code", {}, text.slice(last, close).replace(/^ (.*) $/s, "$1")));
      last = re.lastIndex = close + m[1].length;
    } else if (m[3] !== undefined) {
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
      // A tight item (its text, then perhaps a nested list) shows the text directly, without a
      // <p> margin, as CommonMark and the saved outputs (mistune) do.
      const [first, ...rest] = item;
      if (first && first.type === "para" && rest.every((b) => b.type === "list")) {
        inline(first.text, li);
        renderBlocks(rest, li);
      } else renderBlocks(item, li);
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
