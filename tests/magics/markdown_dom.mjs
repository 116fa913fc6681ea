// Renders Markdown with the widget's own renderer (widget/static/markdown.js) in Node, on a
// minimal DOM, and prints each rendering as a JSON tree [tag, {attrs}, ...children].
// Usage: node markdown_dom.mjs PANEL_MODULE.mjs < corpus.json   (a JSON list of strings)
import { readFileSync } from "node:fs";

class Text { constructor(text) { this.text = text; } }
class Element {
  constructor(tag) { this.tag = tag.toLowerCase(); this.attrs = {}; this.children = []; this.parent = null; }
  appendChild(child) {
    if (child instanceof Fragment) { for (const c of child.children) this.appendChild(c); return child; }
    child.parent = this; this.children.push(child); return child;
  }
  setAttribute(key, value) { this.attrs[key] = String(value); }
  addEventListener() {}
  remove() { if (this.parent) this.parent.children = this.parent.children.filter((c) => c !== this); }
  set className(value) { this.attrs.class = value; }
  get className() { return this.attrs.class || ""; }
  set textContent(value) { this.children = [new Text(value)]; }
}
class Fragment extends Element { constructor() { super("#fragment"); } }

globalThis.document = {
  createElement: (tag) => new Element(tag),
  createTextNode: (text) => new Text(String(text)),
  createDocumentFragment: () => new Fragment(),
};

const tree = (node) => node instanceof Text ? node.text : [node.tag, node.attrs, ...node.children.map(tree)];
const { renderMarkdown } = await import(process.argv[2]);
const corpus = JSON.parse(readFileSync(0, "utf-8"));
const out = corpus.map((text) => { const root = new Element("div"); renderMarkdown(root, text); return tree(root); });
process.stdout.write(JSON.stringify(out));
