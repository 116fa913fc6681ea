import { button } from './markdown';
import { IVersion } from './types';

export interface IVersionsActions {
  diff(a: number, b: number): Promise<string>;
  revert(to: number): Promise<void>;
}

/**
 * The versions of a project's files (newest first) under Files: what made each one and what it
 * changed, a diff against the one before, and Revert (which makes a new version: nothing is lost).
 */
export class VersionsList {
  constructor(private _actions: IVersionsActions) {
    this.node = document.createElement('details');
    this.node.className = 'jp-VibeVersions';
    this._summary = document.createElement('summary');
    this._list = document.createElement('ol');
    this._list.className = 'jp-VibeVersions-list';
    this._list.setAttribute('aria-label', 'Versions');
    this._diff = document.createElement('pre');
    this._diff.className = 'jp-VibeDiff';
    this._diff.setAttribute('aria-label', 'Diff');
    this._diff.hidden = true;
    this.node.append(this._summary, this._list, this._diff);
    this.show([]);
  }

  readonly node: HTMLDetailsElement;

  show(versions: IVersion[]): void {
    this._summary.textContent = `Versions (${versions.length})`;
    this._diff.hidden = true;
    const current = versions.length ? versions[versions.length - 1].version : null;
    this._list.replaceChildren(
      ...[...versions].reverse().map(v => {
        const item = document.createElement('li');
        item.setAttribute('data-vibe-version', String(v.version));
        const title = document.createElement('span');
        title.className = 'jp-VibeVersions-title';
        title.textContent = `v${v.version}${v.version === current ? ' (current)' : ''} · ${v.message}`;
        title.title = `${v.created}\n${changes(v)}`;
        const what = document.createElement('small');
        what.textContent = changes(v);
        item.append(title, what);
        if (v.version > 1) {
          item.appendChild(
            button(`Diff version ${v.version}`, 'Diff', () => this._showDiff(v.version - 1, v.version))
          );
        }
        if (v.version !== current) {
          item.appendChild(button(`Revert to version ${v.version}`, 'Revert', () => this._actions.revert(v.version)));
        }
        return item;
      })
    );
  }

  private async _showDiff(a: number, b: number): Promise<void> {
    const text = await this._actions.diff(a, b);
    // Lines as text nodes in classed spans: a diff of generated code is never markup.
    this._diff.replaceChildren(
      ...text.split('\n').map(line => {
        const span = document.createElement('span');
        span.className = line.startsWith('+') ? 'jp-mod-added' : line.startsWith('-') ? 'jp-mod-removed' : '';
        span.textContent = line + '\n';
        return span;
      })
    );
    this._diff.setAttribute('data-vibe-diff', `${a}-${b}`);
    this._diff.hidden = false;
  }

  private _summary: HTMLElement;
  private _list: HTMLOListElement;
  private _diff: HTMLPreElement;
}

function changes(v: IVersion): string {
  const parts = [
    ...v.added.map(p => `+${p}`),
    ...v.changed.map(p => `~${p}`),
    ...v.removed.map(p => `-${p}`)
  ];
  return parts.join(' ') || 'no change';
}
