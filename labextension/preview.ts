/**
 * The Preview pane: the project's app runs from the server's app route inside
 * `<iframe sandbox="allow-scripts">` (never with the same-origin flag). The route serves every
 * file under the preview policy's `Content-Security-Policy: sandbox ...` header
 * (vibing2_lab/preview.py): the policy is not written here.
 *
 * A CSP cannot stop a page from navigating itself (location.href, a link, <meta refresh>), so
 * every load of the frame after the first is treated as a navigation: the frame is removed and a
 * notice says so (the request that navigated has already left; README "Preview").
 */

import { button } from './markdown';

export const PREVIEW_SANDBOX = 'allow-scripts';

/** A pane holding one sandboxed preview at a time. */
export class PreviewPane {
  constructor() {
    this.node = document.createElement('section');
    this.node.className = 'jp-VibePreview';
    this.node.hidden = true;
    this._title = document.createElement('div');
    this._title.className = 'jp-VibePreview-title';
    const reload = button('Reload preview', 'Reload', () => this.reload());
    const close = button('Close preview', 'Close', () => this.hide());
    const header = document.createElement('div');
    header.className = 'jp-VibePreview-header';
    header.append(this._title, reload, close);
    this.node.appendChild(header);
  }

  readonly node: HTMLElement;

  /** The page currently shown (its URL on the app route), or null. */
  get url(): string | null {
    return this._url;
  }

  /** Show the app page at `url` (on the app route) in a fresh sandboxed iframe. */
  show(entry: string, url: string): void {
    this._clear();
    const frame = document.createElement('iframe');
    // The sandbox is set before src: the document never runs unsandboxed.
    frame.setAttribute('sandbox', PREVIEW_SANDBOX);
    frame.setAttribute('referrerpolicy', 'no-referrer');
    frame.title = `Preview of ${entry}`;
    frame.className = 'jp-VibePreview-frame';
    let loads = 0;
    frame.addEventListener('load', () => {
      if (++loads > 1) {
        this._navigated();
      }
    });
    frame.src = url;
    this._title.textContent = `Preview: ${entry}`;
    this.node.appendChild(frame);
    this._frame = frame;
    this._entry = entry;
    this._url = url;
    this.node.hidden = false;
  }

  /** Load the page again (after a new version or a revert). */
  reload(): void {
    if (this._url !== null) {
      this.show(this._entry, this._url);
    }
  }

  hide(): void {
    this._clear();
    this._url = null;
    this.node.hidden = true;
  }

  private _navigated(): void {
    this._clear();
    const notice = document.createElement('div');
    notice.className = 'jp-VibePreview-notice';
    notice.setAttribute('role', 'alert');
    notice.setAttribute('data-vibe-preview', 'navigated');
    notice.textContent =
      'The page tried to leave the preview (a link, a redirect or a script navigating) and was stopped. ' +
      'Reload to show it again.';
    this.node.appendChild(notice);
    this._notice = notice;
  }

  private _clear(): void {
    this._frame?.remove();
    this._notice?.remove();
    this._frame = null;
    this._notice = null;
  }

  private _title: HTMLDivElement;
  private _frame: HTMLIFrameElement | null = null;
  private _notice: HTMLElement | null = null;
  private _entry = '';
  private _url: string | null = null;
}
