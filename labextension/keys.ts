import { api, ApiError } from './api';
import { IAuthStatus } from './types';

/**
 * Shown when no provider has a key: stores one in the OS keychain through the server
 * (the key goes out once, in a POST body, and never comes back), with a hint for
 * local OpenAI-compatible servers that need none.
 */
export class KeySetup {
  constructor(private _onSaved: () => void) {
    this.node = document.createElement('form');
    this.node.className = 'jp-VibeKeys';
    this.node.hidden = true;
    this.node.setAttribute('aria-label', 'API key setup');
    const title = document.createElement('p');
    title.textContent = 'No API key found. Add one to start chatting:';
    this._provider = document.createElement('select');
    this._provider.setAttribute('aria-label', 'Provider');
    this._key = document.createElement('input');
    this._key.type = 'password';
    this._key.autocomplete = 'off';
    this._key.placeholder = 'sk-…';
    this._key.setAttribute('aria-label', 'API key');
    const save = document.createElement('button');
    save.type = 'submit';
    save.className = 'jp-VibeButton jp-mod-accept';
    save.textContent = 'Save key';
    save.setAttribute('aria-label', 'Save key');
    this._message = document.createElement('div');
    this._message.className = 'jp-VibeKeys-message';
    this._message.setAttribute('role', 'status');
    this._hint = document.createElement('p');
    this._hint.className = 'jp-VibeKeys-hint';
    const row = document.createElement('div');
    row.className = 'jp-VibeKeys-row';
    row.append(this._provider, this._key, save);
    this.node.append(title, row, this._message, this._hint);
    this.node.addEventListener('submit', event => {
      event.preventDefault();
      void this._save();
    });
  }

  readonly node: HTMLFormElement;

  /** Show the form if no provider has a key (or `force`, e.g. after an auth error). */
  update(status: IAuthStatus, force = false): void {
    const needKeys = status.providers.filter(p => p.key_required);
    this._provider.replaceChildren(
      ...needKeys.map(p => {
        const el = document.createElement('option');
        el.value = p.name;
        el.textContent = `${p.name} (${p.env_var})`;
        return el;
      })
    );
    this._hint.textContent = status.hint;
    this.node.hidden = !force && status.any_key;
  }

  private async _save(): Promise<void> {
    const key = this._key.value.trim();
    if (!key) {
      this._message.textContent = 'Paste the key first.';
      return;
    }
    try {
      await api.storeKey(this._provider.value, key);
      this._key.value = '';
      this._message.textContent = 'Saved in the OS keychain.';
      this.node.hidden = true;
      this._onSaved();
    } catch (error) {
      const e = error as ApiError;
      this._message.textContent = e.hint ? `${e.message} ${e.hint}` : String(e.message ?? e);
    }
  }

  private _provider: HTMLSelectElement;
  private _key: HTMLInputElement;
  private _message: HTMLDivElement;
  private _hint: HTMLParagraphElement;
}
