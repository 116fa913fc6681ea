import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';

import { listenForNotebookRequests } from './bridge';
import { completionPlugin } from './completion';
import { completionStatus } from './completion-status';
import { listenForWidgetInserts } from './insert';
import { VibeSidebar } from './sidebar';

const SHOWN_KEY = 'vibing2-lab:sidebar-shown';

/** Adds the "Vibe" panel to the left sidebar; inserts cells and answers notebook requests for the %%vibe widget. */
const plugin: JupyterFrontEndPlugin<void> = {
  id: 'vibing2-lab:sidebar',
  description: 'The Vibe sidebar: chat with specialist agents through the server extension.',
  autoStart: true,
  requires: [IRenderMimeRegistry, INotebookTracker],
  optional: [ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    rendermime: IRenderMimeRegistry,
    tracker: INotebookTracker,
    restorer: ILayoutRestorer | null
  ) => {
    listenForWidgetInserts(tracker);
    listenForNotebookRequests(tracker);
    const sidebar = new VibeSidebar({ app, rendermime, tracker });
    sidebar.addStatusLine(completionStatus.node);
    app.shell.add(sidebar, 'left', { rank: 900 });
    if (restorer) {
      restorer.add(sidebar, sidebar.id);
    }
    // Show the panel the first time vibing2-lab runs in this browser; afterwards the
    // restored layout (open or closed, as the user left it) wins.
    void app.restored.then(() => {
      if (!window.localStorage.getItem(SHOWN_KEY)) {
        app.shell.activateById(sidebar.id);
        window.localStorage.setItem(SHOWN_KEY, '1');
      }
    });
  }
};

export default [plugin, completionPlugin];
