/**
 * The Preview pane: generated HTML runs only inside `<iframe sandbox="allow-scripts">`
 * (never with the same-origin flag: its origin stays opaque, so it cannot reach Jupyter's cookies,
 * token or API), from a `srcdoc` that starts with a Content-Security-Policy meta which
 * also forbids every network request.
 */

export const PREVIEW_SANDBOX = 'allow-scripts';

export const PREVIEW_CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; " +
  'img-src data: blob:; font-src data:';

const DOCTYPE = /^\s*<!doctype[^>]*>/i;

/** `html` with the CSP meta injected at the top (after a doctype, which must stay first). */
export function previewDocument(html: string): string {
  const meta = `<meta http-equiv="Content-Security-Policy" content="${PREVIEW_CSP}">`;
  const doctype = DOCTYPE.exec(html);
  if (doctype) {
    return doctype[0] + meta + html.slice(doctype[0].length);
  }
  return meta + html;
}

/** A pane holding one sandboxed preview at a time. */
export class PreviewPane {
  constructor() {
    this.node = document.createElement('section');
    this.node.className = 'jp-VibePreview';
    this.node.hidden = true;
    this._title = document.createElement('div');
    this._title.className = 'jp-VibePreview-title';
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'jp-VibeButton';
    close.textContent = 'Close';
    close.setAttribute('aria-label', 'Close preview');
    close.addEventListener('click', () => this.hide());
    const header = document.createElement('div');
    header.className = 'jp-VibePreview-header';
    header.append(this._title, close);
    this.node.appendChild(header);
  }

  readonly node: HTMLElement;

  /** Show `html` (the page `entry` with its CSS/JS inlined) in a fresh sandboxed iframe. */
  show(entry: string, html: string): void {
    this._frame?.remove();
    const frame = document.createElement('iframe');
    // The sandbox is set before srcdoc: the document never runs unsandboxed.
    frame.setAttribute('sandbox', PREVIEW_SANDBOX);
    frame.setAttribute('referrerpolicy', 'no-referrer');
    frame.title = `Preview of ${entry}`;
    frame.className = 'jp-VibePreview-frame';
    frame.srcdoc = previewDocument(html);
    this._title.textContent = `Preview: ${entry}`;
    this.node.appendChild(frame);
    this._frame = frame;
    this.node.hidden = false;
  }

  hide(): void {
    this._frame?.remove();
    this._frame = null;
    this.node.hidden = true;
  }

  private _title: HTMLDivElement;
  private _frame: HTMLIFrameElement | null = null;
}
