import { Dialog, showDialog } from '@jupyterlab/apputils';

import { api, ApiError } from './api';
import { FilesList } from './files';
import { PreviewPane } from './preview';
import { IVersions } from './types';
import { VersionsList } from './versions';

export interface IAppHost {
  /** The selected project's id and name (null: none). */
  project(): { id: number; name: string } | null;
  openAsNotebook(): Promise<void>;
  notify(error: unknown): void;
}

/**
 * The project's app in the sidebar: its files, their versions (diff, revert), the preview run
 * from the app route, "Open in new tab" and "Download". The sidebar tells it which project is
 * shown (`show`) and when an answer may have changed the files (`refresh`).
 */
export class AppPanel {
  constructor(private _host: IAppHost) {
    this.preview = new PreviewPane();
    this._versions = new VersionsList({
      diff: (a, b) => this._withProject(id => api.diff(id, a, b)),
      revert: to => this.revert(to)
    });
    this.files = new FilesList(
      {
        preview: path => this.open(path),
        remove: path => this.remove(path),
        openAsNotebook: () => this._host.openAsNotebook(),
        openInTab: () => this.openInTab(),
        download: () => this.download()
      },
      this._versions.node
    );
  }

  readonly files: FilesList;
  readonly preview: PreviewPane;

  /** Show project `id`'s files and versions (null: none), closing the preview. */
  async show(id: number | null): Promise<void> {
    this.preview.hide();
    this._app = null;
    this.files.show([]);
    this._versions.show([]);
    if (id !== null) {
      await this.refresh(id);
    }
  }

  /** The files and versions again (after an answer or a revert); a shown preview reloads. */
  async refresh(id: number): Promise<void> {
    const [project, app] = await Promise.all([api.project(id), api.versions(id)]);
    this.files.show(project.files);
    this._versions.show(app.versions);
    this._app = app;
    this.preview.reload();
  }

  /** Run the page `path` of the app from the app route in the preview pane. */
  async open(path: string): Promise<void> {
    await this._try(async () => {
      const app = await this._appInfo();
      this.preview.show(path, app.app_url + path.split('/').map(encodeURIComponent).join('/'));
    });
  }

  /** Delete one file of the project, after the user confirms (a new version without it). */
  async remove(path: string): Promise<void> {
    const project = this._host.project();
    if (project === null) {
      return;
    }
    const result = await showDialog({
      title: 'Delete file',
      body: `Delete "${path}" from project "${project.name}"?`,
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Delete' })]
    });
    if (result.button.accept) {
      await this._try(async () => {
        await api.deleteFile(project.id, path);
        await this.refresh(project.id);
      });
    }
  }

  async revert(to: number): Promise<void> {
    await this._try(() =>
      this._withProject(async id => {
        await api.revert(id, to);
        await this.refresh(id);
      })
    );
  }

  /** The app at full size in its own tab (still sandboxed by the route's CSP header). */
  async openInTab(): Promise<void> {
    await this._try(async () => {
      const app = await this._appInfo();
      window.open(app.app_url, '_blank', 'noopener,noreferrer');
    });
  }

  /** The current version as a zip download. */
  async download(): Promise<void> {
    await this._try(() =>
      this._withProject(async (id, name) => {
        const link = document.createElement('a');
        link.href = URL.createObjectURL(await api.appZip(id));
        link.download = `${name}.zip`;
        link.click();
        setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      })
    );
  }

  private async _appInfo(): Promise<IVersions> {
    return this._withProject(async id => {
      if (this._app?.project !== id) {
        this._app = await api.versions(id);
      }
      return this._app;
    });
  }

  private async _withProject<T>(fn: (id: number, name: string) => Promise<T>): Promise<T> {
    const project = this._host.project();
    if (project === null) {
      throw new ApiError('Pick or create a project first.', 0, 'input');
    }
    return fn(project.id, project.name);
  }

  private async _try(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (error) {
      this._host.notify(error);
    }
  }

  private _versions: VersionsList;
  private _app: IVersions | null = null;
}
