/**
 * The notebook bridge: NotebookRead / NotebookEdit of a `%%vibe` agent act on the LIVE
 * notebook document (the shared model JupyterLab edits and saves), never on the .ipynb on
 * disk while it is open.
 *
 * The kernel cannot receive widget messages while the cell runs, so the round trip is: the
 * kernel sends the request to the %%vibe panel (a widget message) and waits on its stdin;
 * the panel dispatches a `vibing2-lab:notebook` DOM event from its own element; this module
 * answers it synchronously in `detail.result` (and calls preventDefault); the panel sends
 * the result back as the stdin reply (widget/static/steps.js, magics/notebook.py).
 */
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { DisposableDelegate, IDisposable } from '@lumino/disposable';

import { hostCell } from './insert';

export const NOTEBOOK_EVENT = 'vibing2-lab:notebook';

const OUTPUT_CHARS = 2000; // of one output, in NotebookRead; the kernel bounds the whole result
const CELL_TYPES = new Set(['code', 'markdown', 'raw']);
const WIDGET = 'application/vnd.jupyter.widget-view+json';

export type Result = { ok: true; [key: string]: unknown } | { ok: false; error: string };

interface IRequest {
  op: string;
  input: { [key: string]: unknown };
  result: Result | null;
}

function cut(text: string): string {
  return text.length <= OUTPUT_CHARS ? text : `${text.slice(0, OUTPUT_CHARS)}\n[… ${text.length - OUTPUT_CHARS} more characters]`;
}

function joined(value: unknown): string {
  return Array.isArray(value) ? value.join('') : typeof value === 'string' ? value : '';
}

/** The text a reader would see of one output: stream text, text/plain, or the error line. */
function outputText(output: { [key: string]: unknown }): string {
  if (output.output_type === 'stream') {
    return cut(joined(output.text));
  }
  if (output.output_type === 'error') {
    return `${String(output.ename)}: ${String(output.evalue)}`;
  }
  const data = (output.data ?? {}) as { [key: string]: unknown };
  if (WIDGET in data && !('text/markdown' in data)) {
    return '[a live widget]'; // its text/plain is only a Python repr
  }
  return 'text/plain' in data ? cut(joined(data['text/plain'])) : `[${Object.keys(data).join(', ') || 'no data'}]`;
}

function read(panel: NotebookPanel, host: number): Result {
  const cells = panel.content.model!.sharedModel.cells.map((cell, index) => {
    const json = cell.toJSON() as { [key: string]: unknown };
    const outputs = Array.isArray(json.outputs) ? (json.outputs as { [key: string]: unknown }[]) : [];
    return {
      index,
      id: cell.id,
      cell_type: cell.cell_type,
      source: cell.getSource(),
      execution_count: json.execution_count ?? null,
      outputs: outputs.map(outputText),
      running_this_agent: index === host
    };
  });
  return { ok: true, path: panel.context.path, cells };
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** NotebookEdit with Claude Code's inputs: cell_id?, new_source, cell_type?, edit_mode. */
function edit(panel: NotebookPanel, host: number, input: IRequest['input']): Result {
  const shared = panel.content.model!.sharedModel;
  const mode = String(input.edit_mode ?? 'replace');
  const source = typeof input.new_source === 'string' ? input.new_source : '';
  const type = input.cell_type === undefined ? undefined : String(input.cell_type);
  if (!['insert', 'replace', 'delete'].includes(mode)) {
    return { ok: false, error: `edit_mode must be insert, replace or delete, not ${JSON.stringify(mode)}.` };
  }
  if (type !== undefined && !CELL_TYPES.has(type)) {
    return { ok: false, error: `cell_type must be code, markdown or raw, not ${JSON.stringify(type)}.` };
  }
  const path = typeof input.notebook_path === 'string' ? input.notebook_path : '';
  if (path && baseName(path) !== baseName(panel.context.path)) {
    return { ok: false, error: `NotebookEdit edits only the notebook this cell runs in (${panel.context.path}), not ${path}.` };
  }
  const id = typeof input.cell_id === 'string' ? input.cell_id : '';
  let index = id ? shared.cells.findIndex(cell => cell.id === id) : -1;
  if (id && index < 0 && /^\d+$/.test(id) && Number(id) < shared.cells.length) {
    index = Number(id); // a cell's position, as NotebookRead lists it
  }
  if (id && index < 0) {
    return { ok: false, error: `No cell with id ${JSON.stringify(id)} in ${panel.context.path}: read the notebook first.` };
  }
  if (mode === 'insert') {
    const at = index < 0 ? 0 : index + 1; // after cell_id; at the top without one (as Claude Code)
    const cell = shared.insertCell(at, { cell_type: type ?? 'code', source });
    return { ok: true, message: `Inserted a ${cell.cell_type} cell (id ${cell.id}) at index ${at}.`, id: cell.id, index: at };
  }
  if (index < 0) {
    return { ok: false, error: `${mode} needs the cell_id of the cell to ${mode}.` };
  }
  if (index === host) {
    return { ok: false, error: `Cell ${id} is the cell running this agent: it cannot be ${mode}d while it runs.` };
  }
  const cell = shared.cells[index];
  const cellId = cell.id; // read before a delete: a deleted cell's model no longer knows it
  if (mode === 'delete') {
    shared.deleteCell(index);
    return { ok: true, message: `Deleted cell ${cellId} (index ${index}).`, id: cellId, index };
  }
  if (type !== undefined && type !== cell.cell_type) {
    // A new type is a new cell with the same id (as JupyterLab's own "change cell type" does).
    shared.transact(() => {
      shared.deleteCell(index);
      shared.insertCell(index, { cell_type: type, source, id: cellId });
    });
  } else {
    cell.setSource(source);
  }
  return { ok: true, message: `Replaced the source of cell ${cellId} (index ${index}).`, id: cellId, index };
}

const OPS: { [op: string]: (panel: NotebookPanel, host: number, input: IRequest['input']) => Result } = {
  read: (panel, host) => read(panel, host),
  edit
};

/**
 * One notebook request on `panel`'s live model; `host` is the index of the cell running the
 * agent (protected from edits), -1 when the agent runs beside the notebook (the sidebar).
 */
export function answerNotebookRequest(
  panel: NotebookPanel,
  host: number,
  op: string,
  input: IRequest['input']
): Result {
  if (!panel.content.model) {
    return { ok: false, error: `The notebook ${panel.context.path} is not loaded.` };
  }
  const handler = OPS[op];
  try {
    return handler ? handler(panel, host, input ?? {}) : { ok: false, error: `Unknown notebook request ${JSON.stringify(op)}.` };
  } catch (error) {
    return { ok: false, error: `The notebook refused the request: ${String(error)}` };
  }
}

/** Answer the %%vibe panel's notebook requests for notebooks this tracker knows. */
export function listenForNotebookRequests(tracker: INotebookTracker): IDisposable {
  const onRequest = (event: Event): void => {
    const detail = (event as CustomEvent<IRequest>).detail;
    const host = hostCell(tracker, event.target);
    if (!detail || typeof detail.op !== 'string' || !host || !host.panel.content.model) {
      return;
    }
    detail.result = answerNotebookRequest(host.panel, host.index, detail.op, detail.input);
    event.preventDefault();
  };
  document.addEventListener(NOTEBOOK_EVENT, onRequest);
  return new DisposableDelegate(() => document.removeEventListener(NOTEBOOK_EVENT, onRequest));
}
