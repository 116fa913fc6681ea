import { requestAPI } from './api';

/** What `GET complete` answers: whether completions can run here, and with what. */
export interface ICompletionStatus {
  enabled: boolean;
  available: boolean;
  model: string | null;
  fill: boolean;
  debounce_ms: number;
  max_lines: number;
  reason: string;
  hint: string;
}

// Failures that mean "no completions until something changes" (a key, the config, the network).
const BLOCKING = new Set(['key_missing', 'auth', 'config', 'connect', 'network']);
const RECHECK_MS = 10_000;

/**
 * The one status line about inline completion in the sidebar (`data-vibe-completion`
 * is "pending", "on" or "off"). Failures show here, never as dialogs or ghost text.
 */
export class CompletionStatus {
  readonly node: HTMLDivElement;

  constructor() {
    this.node = document.createElement('div');
    this.node.className = 'jp-VibeSidebar-completion';
    this._show('pending', 'Inline completion: checking…');
  }

  /** The server's status, fetched at most every RECHECK_MS while completions are off. */
  async current(): Promise<ICompletionStatus | null> {
    const stale = Date.now() - this._checked > RECHECK_MS;
    if (!this._pending && (this._status === null || (stale && !this._status.available))) {
      this._pending = this.refresh().finally(() => (this._pending = null));
    }
    await this._pending;
    return this._status;
  }

  async refresh(): Promise<void> {
    this._checked = Date.now();
    try {
      this._status = await requestAPI<ICompletionStatus>('complete');
    } catch (error) {
      this._status = null;
      this._show('off', `Inline completion: off (${(error as Error).message})`);
      return;
    }
    const s = this._status;
    if (s.available) {
      this._show('on', `Inline completion: on (${s.model}${s.fill ? ', fill-in-the-middle' : ''})`);
    } else {
      this._show('off', `Inline completion: off. ${s.reason} ${s.hint}`.trim());
    }
  }

  /** A completion ended with an error: blocking kinds turn the line off until the next check. */
  failed(kind: string, message: string, hint = ''): void {
    if (!BLOCKING.has(kind)) {
      return;
    }
    if (this._status) {
      this._status = { ...this._status, available: false };
    }
    this._checked = Date.now();
    this._show('off', `Inline completion: off. ${message} ${hint}`.trim());
  }

  /** Turn completions off by the user's JupyterLab setting. */
  disabled(): void {
    this._show('off', 'Inline completion: off (JupyterLab settings › Vibe inline completion).');
  }

  private _show(state: string, text: string): void {
    this.node.setAttribute('data-vibe-completion', state);
    this.node.textContent = text;
  }

  private _status: ICompletionStatus | null = null;
  private _checked = 0;
  private _pending: Promise<void> | null = null;
}

/** Shared by the completion plugin (which updates it) and the sidebar (which shows it). */
export const completionStatus = new CompletionStatus();
