import { JupyterFrontEnd } from '@jupyterlab/application';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { DisposableDelegate, IDisposable } from '@lumino/disposable';

/** The DOM event the %%vibe widget dispatches from its "Insert cell" button. */
export const INSERT_EVENT = 'vibing2-lab:insert-cell';

export interface IInsertDetail {
  code: string;
  language?: string;
}

const MARKDOWN = new Set(['markdown', 'md']);

/** Insert a cell holding `code` right below cell `index` of `panel`, and make it active. */
export function insertCellBelow(
  panel: NotebookPanel,
  index: number,
  code: string,
  language = ''
): void {
  const notebook = panel.content;
  const model = notebook.model;
  if (!model) {
    throw new Error('The notebook is not loaded yet.');
  }
  const cellType = MARKDOWN.has(language.toLowerCase()) ? 'markdown' : 'code';
  const at = Math.min(Math.max(index + 1, 0), model.cells.length);
  model.sharedModel.insertCell(at, { cell_type: cellType, source: code });
  notebook.activeCellIndex = at;
  notebook.deselectAll();
}

/**
 * Insert below the active cell of the current notebook; with no notebook open,
 * a new one is created (its empty first cell receives the code).
 */
export async function insertBelowActive(
  app: JupyterFrontEnd,
  tracker: INotebookTracker,
  code: string,
  language = ''
): Promise<NotebookPanel> {
  let panel = tracker.currentWidget;
  if (!panel) {
    panel = (await app.commands.execute('notebook:create-new')) as NotebookPanel;
    await panel.context.ready;
    const first = panel.content.model?.cells.get(0);
    if (first && panel.content.model?.cells.length === 1 && !first.sharedModel.getSource()) {
      first.sharedModel.setSource(code);
      app.shell.activateById(panel.id);
      return panel;
    }
  }
  insertCellBelow(panel, panel.content.activeCellIndex, code, language);
  app.shell.activateById(panel.id);
  return panel;
}

/** The notebook and the index of the cell whose output holds `target` (a widget's element). */
export function hostCell(
  tracker: INotebookTracker,
  target: EventTarget | null
): { panel: NotebookPanel; index: number } | null {
  if (!(target instanceof Node)) {
    return null;
  }
  const panel = tracker.find(p => p.node.contains(target));
  if (!panel) {
    return null;
  }
  const index = panel.content.widgets.findIndex(cell => cell.node.contains(target));
  return index < 0 ? null : { panel, index };
}

/**
 * Handle the widget's insert event: find the notebook and the cell whose output holds
 * the button, insert `detail.code` right below that cell, and `preventDefault()` so the
 * widget knows it was handled (it falls back to copying otherwise).
 */
export function listenForWidgetInserts(tracker: INotebookTracker): IDisposable {
  const onInsert = (event: Event): void => {
    const detail = (event as CustomEvent<IInsertDetail>).detail;
    const host = hostCell(tracker, event.target);
    if (!detail || typeof detail.code !== 'string' || !host) {
      return;
    }
    insertCellBelow(host.panel, host.index, detail.code, detail.language ?? '');
    event.preventDefault();
  };
  document.addEventListener(INSERT_EVENT, onInsert);
  return new DisposableDelegate(() => document.removeEventListener(INSERT_EVENT, onInsert));
}
