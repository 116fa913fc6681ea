import { JupyterFrontEnd } from '@jupyterlab/application';

import { api } from './api';

/** A file name for the project's notebook that is not taken yet in the current root. */
async function freePath(app: JupyterFrontEnd, stem: string): Promise<string> {
  const contents = app.serviceManager.contents;
  for (let n = 0; n < 100; n++) {
    const path = n === 0 ? `${stem}.ipynb` : `${stem}-${n}.ipynb`;
    try {
      await contents.get(path, { content: false });
    } catch {
      return path; // 404: free
    }
  }
  throw new Error(`Too many notebooks named ${stem}-N.ipynb already.`);
}

/** "Open as notebook": export the project (server), save it via the contents API, open it. */
export async function openAsNotebook(app: JupyterFrontEnd, id: number, name: string): Promise<string> {
  const notebook = await api.exportNotebook(id);
  const stem = name.replace(/[\\/:*?"<>|\s]+/g, '-').replace(/^-+|-+$/g, '') || 'project';
  const path = await freePath(app, stem);
  await app.serviceManager.contents.save(path, { type: 'notebook', format: 'json', content: notebook });
  await app.commands.execute('docmanager:open', { path });
  return path;
}
