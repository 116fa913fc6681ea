// vibing2-lab panel, part 1 of 5: DOM building, clipboard, cell insertion, kernel interrupt.
// The five parts (dom.js, highlight.js, markdown.js, steps.js, panel.js) are joined into one ES module
// by widget/panel.py: anywidget loads a single module, and these need no bundler.

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
