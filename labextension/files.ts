import { button } from './markdown';
import { IProjectFile } from './types';

const PREVIEWABLE = /\.html?$/i;

export interface IFilesActions {
  preview(path: string): Promise<void>;
  remove(path: string): Promise<void>;
  openAsNotebook(): Promise<void>;
  openInTab(): Promise<void>;
  download(): Promise<void>;
}

/** The project's generated files, with Preview on HTML pages, Delete, the app's actions ("Open in new
 * tab", "Download" as a zip, "Open as notebook") and, below, the versions of the files. */
export class FilesList {
  constructor(private _actions: IFilesActions, versions: HTMLElement) {
    this.node = document.createElement('details');
    this.node.className = 'jp-VibeFiles';
    this.node.open = true;
    this._summary = document.createElement('summary');
    this._list = document.createElement('ul');
    this._list.className = 'jp-VibeFiles-list';
    this._list.setAttribute('aria-label', 'Project files');
    const actions = document.createElement('div');
    actions.className = 'jp-VibeFiles-actions';
    actions.append(
      button('Open in new tab', 'Open in new tab', () => this._actions.openInTab()),
      button('Download', 'Download', () => this._actions.download()),
      button('Open as notebook', 'Open as notebook', () => this._actions.openAsNotebook())
    );
    this.node.append(this._summary, this._list, actions, versions);
    this.show([]);
  }

  readonly node: HTMLDetailsElement;

  show(files: IProjectFile[]): void {
    this._summary.textContent = `Files (${files.length})`;
    this._list.replaceChildren(
      ...files.map(file => {
        const item = document.createElement('li');
        const name = document.createElement('span');
        name.className = 'jp-VibeFiles-path';
        name.textContent = file.path;
        const size = document.createElement('small');
        size.textContent = formatSize(file.size);
        item.append(name, size);
        if (PREVIEWABLE.test(file.path)) {
          item.appendChild(button('Preview', 'Preview', () => this._actions.preview(file.path)));
        }
        item.appendChild(
          button('Delete file', '✕', () => this._actions.remove(file.path), 'jp-VibeButton jp-VibeFiles-delete')
        );
        return item;
      })
    );
  }

  private _summary: HTMLElement;
  private _list: HTMLUListElement;
}

function formatSize(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} kB`;
}
