import { Dialog, InputDialog, showDialog } from '@jupyterlab/apputils';

import { api } from './api';
import { button } from './markdown';
import { IProjectSummary } from './types';

const SELECTED_KEY = 'vibing2-lab:project';

/** Project picker with New / Rename / Delete; remembers the choice across reloads. */
export class ProjectBar {
  constructor(private _onSelect: (id: number | null) => void, private _onError: (e: unknown) => void) {
    this.node = document.createElement('div');
    this.node.className = 'jp-VibeProjects';
    this._select = document.createElement('select');
    this._select.className = 'jp-VibeProjects-select';
    this._select.setAttribute('aria-label', 'Project');
    this._select.addEventListener('change', () => this._choose(this.selected));
    this.node.append(
      this._select,
      button('New project', 'New', () => this.create()),
      button('Rename project', 'Rename', () => this.rename()),
      button('Delete project', 'Delete', () => this.remove())
    );
  }

  readonly node: HTMLDivElement;

  /** Disabled while a stream runs: its answers belong to the project shown. */
  setEnabled(on: boolean): void {
    this.node.querySelectorAll('select, button').forEach(el => ((el as HTMLButtonElement).disabled = !on));
  }

  /** The selected project's id, or null. */
  get selected(): number | null {
    const value = this._select.value;
    return value ? Number(value) : null;
  }

  get selectedName(): string | null {
    return this._projects.find(p => p.id === this.selected)?.name ?? null;
  }

  /** Reload the list; keep (or restore from the last session) the selection. */
  async refresh(select?: number | null): Promise<void> {
    this._projects = await api.projects();
    const remembered = Number(window.localStorage.getItem(SELECTED_KEY) ?? NaN);
    let want = select !== undefined ? select : this.selected ?? remembered;
    if (!this._projects.some(p => p.id === want)) {
      want = this._projects[0]?.id ?? null;
    }
    this._select.replaceChildren(
      ...(this._projects.length ? [] : [option('', 'No projects yet')]),
      ...this._projects.map(p => option(String(p.id), label(p), describe(p)))
    );
    this._select.value = want === null ? '' : String(want);
    if (want !== this._current) {
      this._choose(want);
    }
  }

  async create(): Promise<void> {
    const result = await InputDialog.getText({
      title: 'New project',
      placeholder: 'my-app (empty: named by its first prompt)',
      okLabel: 'Create'
    });
    if (!result.button.accept) {
      return;
    }
    await this._try(async () => {
      // No name: an "untitled" project that its first prompt names (renaming stays possible).
      const project = await api.createProject(result.value?.trim() || null);
      await this.refresh(project.id);
    });
  }

  async rename(): Promise<void> {
    const id = this.selected;
    if (id === null) {
      return;
    }
    const result = await InputDialog.getText({
      title: 'Rename project',
      text: this.selectedName ?? '',
      okLabel: 'Rename'
    });
    if (!result.button.accept || !result.value?.trim()) {
      return;
    }
    await this._try(async () => {
      await api.renameProject(id, result.value!.trim());
      await this.refresh(id);
    });
  }

  async remove(): Promise<void> {
    const id = this.selected;
    if (id === null) {
      return;
    }
    const result = await showDialog({
      title: 'Delete project',
      body: `Delete "${this.selectedName}" with its conversation and files?`,
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Delete' })]
    });
    if (!result.button.accept) {
      return;
    }
    await this._try(async () => {
      await api.deleteProject(id);
      await this.refresh(null);
    });
  }

  private _choose(id: number | null): void {
    this._current = id;
    if (id === null) {
      window.localStorage.removeItem(SELECTED_KEY);
    } else {
      window.localStorage.setItem(SELECTED_KEY, String(id));
    }
    this._onSelect(id);
  }

  private async _try(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this._onError(error);
    }
  }

  private _select: HTMLSelectElement;
  private _projects: IProjectSummary[] = [];
  private _current: number | null | undefined = undefined;
}

function option(value: string, text: string, title?: string): HTMLOptionElement {
  const el = document.createElement('option');
  el.value = value;
  el.textContent = text;
  if (title) {
    el.title = title;
  }
  return el;
}

/** A shared project is marked in the list, with its owner. */
function label(p: IProjectSummary): string {
  return p.visibility === 'shared' ? `${p.name} \u00b7 shared by ${p.owner || 'everyone'}` : p.name;
}

/** The tooltip: who changed it last (teams work in shared projects). */
function describe(p: IProjectSummary): string | undefined {
  return p.updated_by ? `Last changed by ${p.updated_by}` : undefined;
}
