import { IRenderMime, IRenderMimeRegistry, MimeModel } from '@jupyterlab/rendermime';

/** What a code block's buttons do. */
export interface ICodeActions {
  copy(code: string): Promise<void>;
  insert(code: string, language: string): Promise<void>;
}

const MIN_INTERVAL_MS = 80; // re-render a growing answer at most ~12 times a second

/**
 * Markdown through JupyterLab's own renderer (untrusted: sanitized, never raw model HTML),
 * with code highlighting and Copy / Insert cell buttons on every code block.
 * `update(text)` may be called per token: renders are coalesced, and the last one wins.
 */
export class MarkdownView {
  constructor(rendermime: IRenderMimeRegistry, private _actions: ICodeActions) {
    this._renderer = rendermime.createRenderer('text/markdown');
    this.node = document.createElement('div');
    this.node.className = 'jp-VibeMarkdown';
    this.node.appendChild(this._renderer.node);
  }

  readonly node: HTMLDivElement;

  /** The text shown (or about to be). */
  get text(): string {
    return this._text;
  }

  /** Show `text`; renders at most every MIN_INTERVAL_MS while text keeps coming. */
  update(text: string): void {
    this._text = text;
    if (!this._busy) {
      void this._loop();
    }
  }

  /** Render `text` now and resolve when it is on screen. */
  async flush(text?: string): Promise<void> {
    if (text !== undefined) {
      this._text = text;
    }
    while (this._busy) {
      await this._idle;
    }
    await this._render(this._text);
  }

  dispose(): void {
    this._renderer.dispose();
  }

  private async _loop(): Promise<void> {
    this._busy = true;
    let done: () => void = () => undefined;
    this._idle = new Promise<void>(resolve => (done = resolve));
    try {
      while (this._rendered !== this._text) {
        await this._render(this._text);
        await new Promise(resolve => setTimeout(resolve, MIN_INTERVAL_MS));
      }
    } finally {
      this._busy = false;
      done();
    }
  }

  private async _render(text: string): Promise<void> {
    if (this._rendered === text) {
      return;
    }
    this._rendered = text;
    const model = new MimeModel({ data: { 'text/markdown': text }, trusted: false });
    await this._renderer.renderModel(model);
    this._decorate();
  }

  private _decorate(): void {
    for (const pre of Array.from(this._renderer.node.querySelectorAll('pre'))) {
      const code = pre.querySelector('code') ?? pre;
      const language = /language-([\w+#.-]+)/.exec(code.className)?.[1] ?? '';
      const source = code.textContent ?? '';
      const bar = document.createElement('div');
      bar.className = 'jp-VibeCode-actions';
      bar.append(
        button('Copy', 'Copy', () => this._actions.copy(source)),
        button('Insert cell', 'Insert', () => this._actions.insert(source, language))
      );
      const wrapper = document.createElement('div');
      wrapper.className = 'jp-VibeCode';
      pre.replaceWith(wrapper);
      wrapper.append(bar, pre);
    }
  }

  private _renderer: IRenderMime.IRenderer;
  private _text = '';
  private _rendered: string | null = null;
  private _busy = false;
  private _idle: Promise<void> = Promise.resolve();
}

/** A small button with an accessible name. */
export function button(
  label: string,
  text: string,
  onClick: () => unknown,
  className = 'jp-VibeButton'
): HTMLButtonElement {
  const el = document.createElement('button');
  el.type = 'button';
  el.className = className;
  el.setAttribute('aria-label', label);
  el.title = label;
  el.textContent = text;
  el.addEventListener('click', event => {
    event.preventDefault();
    void onClick();
  });
  return el;
}
