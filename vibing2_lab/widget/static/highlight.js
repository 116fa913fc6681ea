// vibing2-lab panel, part 2 of 5: a small syntax highlighter. Tokens become <span> elements
// holding text nodes, so highlighted code is never markup.

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
