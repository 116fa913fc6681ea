import { CompletionHandler } from '@jupyterlab/completer';
import { NotebookPanel } from '@jupyterlab/notebook';
import { Widget } from '@lumino/widgets';

/** The body of `POST complete`: what the model needs to continue the code at the cursor. */
export interface ICompletionBody {
  prefix: string;
  suffix: string;
  language: string;
  cells: { source: string; output: string }[];
  model?: string;
  max_lines?: number;
}

// Client-side caps keep the body well under the server's limit (256 KB); the server
// applies its own, tighter prompt budget to what arrives.
const MAX_CELLS = 50;
const MAX_SOURCE = 8_000;
const MAX_OUTPUT = 1_000;
const MAX_SIDE = 20_000;

const LANGUAGES: Record<string, string> = {
  'text/x-ipython': 'python',
  'text/x-python': 'python',
  'text/x-rsrc': 'r',
  'text/x-sql': 'sql',
  'text/x-julia': 'julia',
  'text/x-sh': 'bash',
  'text/javascript': 'javascript',
  'text/typescript': 'typescript',
  'text/x-markdown': 'markdown',
  'text/markdown': 'markdown'
};

/** The language of the editor's MIME type ("text/x-ipython" → "python"). */
export function languageOf(mimeType: string | undefined): string {
  if (!mimeType) {
    return 'python';
  }
  return LANGUAGES[mimeType] ?? mimeType.replace(/^(text|application)\/(x-)?/, '').slice(0, 40);
}

/** Short text of a code cell's outputs: stream text, text/plain results, error names. */
function outputText(outputs: any): string {
  const parts: string[] = [];
  for (let i = 0; i < (outputs?.length ?? 0); i++) {
    const out = outputs.get(i).toJSON() as any;
    if (out.output_type === 'stream') {
      parts.push([].concat(out.text ?? '').join(''));
    } else if (out.output_type === 'error') {
      parts.push(`${out.ename}: ${out.evalue}`);
    } else if (out.data?.['text/plain'] !== undefined) {
      parts.push([].concat(out.data['text/plain']).join(''));
    }
  }
  return parts.join('\n').slice(0, MAX_OUTPUT);
}

/** The code cells above the active one (nearest last), when the widget is a notebook. */
function precedingCells(widget: Widget): ICompletionBody['cells'] {
  if (!(widget instanceof NotebookPanel)) {
    return [];
  }
  const notebook = widget.content;
  const cells: ICompletionBody['cells'] = [];
  for (let i = Math.max(0, notebook.activeCellIndex - MAX_CELLS); i < notebook.activeCellIndex; i++) {
    const model = notebook.widgets[i]?.model as any;
    if (model?.type !== 'code') {
      continue;
    }
    cells.push({
      source: model.sharedModel.getSource().slice(0, MAX_SOURCE),
      output: outputText(model.outputs)
    });
  }
  return cells;
}

/** The request body for the text around the cursor in `widget` (notebook, console, file editor). */
export function completionBody(request: CompletionHandler.IRequest, widget: Widget): ICompletionBody {
  return {
    prefix: request.text.slice(0, request.offset).slice(-MAX_SIDE),
    suffix: request.text.slice(request.offset).slice(0, MAX_SIDE),
    language: languageOf(request.mimeType),
    cells: precedingCells(widget)
  };
}
