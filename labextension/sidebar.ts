import { JupyterFrontEnd } from '@jupyterlab/application';
import { Clipboard } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { Widget } from '@lumino/widgets';

import { AgentPicker } from './agents';
import { AppPanel } from './app';
import { BudgetGauge } from './budget';
import { api, ApiError, requestAPI } from './api';
import { Conversation } from './chat';
import { insertBelowActive } from './insert';
import { KeySetup } from './keys';
import { button } from './markdown';
import { openAsNotebook } from './notebook';
import { ProjectBar } from './projects';
import { Turn } from './turn';
import { IAskBody } from './types';

interface IHealth {
  status: string;
  name: string;
  version: string;
}

export interface ISidebarOptions {
  app: JupyterFrontEnd;
  rendermime: IRenderMimeRegistry;
  tracker: INotebookTracker;
}

const SCRATCH_PROJECT = 'scratch';

/** The "Vibe" sidebar panel: projects, agents, the streamed conversation, files and preview. */
export class VibeSidebar extends Widget {
  constructor(private _options: ISidebarOptions) {
    super();
    this.id = 'vibing2-lab-sidebar';
    this.addClass('jp-VibeSidebar');
    this.title.label = 'Vibe';
    this.title.caption = 'Vibe: chat with specialist agents';

    const onError = (e: unknown) => this.notify(e);
    this._server = div('jp-VibeSidebar-server');
    this._server.setAttribute('data-vibe-server', 'pending');
    this._server.textContent = 'Connecting to the vibing2-lab server extension…';
    this._notice = div('jp-VibeSidebar-notice');
    this._notice.setAttribute('role', 'alert');
    this._projects = new ProjectBar(id => void this.showProject(id), onError);
    this._keys = new KeySetup(() => this.notify(null));
    this._agents = new AgentPicker(onError);
    this._chat = new Conversation(_options.rendermime, {
      copy: async code => Clipboard.copyToSystem(code),
      insert: async (code, language) => {
        await insertBelowActive(_options.app, _options.tracker, code, language);
      }
    });
    this._app = new AppPanel({
      project: () => {
        const id = this._projects.selected;
        return id === null ? null : { id, name: this._projects.selectedName ?? 'app' };
      },
      openAsNotebook: () => this.openAsNotebook(),
      notify: onError
    });
    this.node.append(
      this._server,
      this._budget.node,
      this._projects.node,
      this._keys.node,
      this._agents.node,
      this._chat.node,
      this._app.files.node,
      this._app.preview.node,
      this._composer(),
      this._notice
    );
    void this.start();
  }

  /** Show one more line of status under the server's (e.g. inline completion's). */
  addStatusLine(node: HTMLElement): void {
    this._server.after(node);
  }

  /** First load: server health, keys, agents, projects (restores the last conversation). */
  async start(): Promise<void> {
    await this.refreshHealth();
    await Promise.all([this.refreshKeys(), this._agents.load(), this._projects.refresh().catch(e => this.notify(e))]);
    await this._budget.refresh(this._projects.selectedName);
  }

  /** Ask the server extension for its version (proves the round trip). */
  async refreshHealth(): Promise<void> {
    try {
      const health = await requestAPI<IHealth>('health');
      this._server.textContent = `vibing2-lab server ${health.version}`;
      this._server.setAttribute('data-vibe-server', 'ok');
    } catch (error) {
      this._server.textContent = `vibing2-lab server extension unavailable: ${error}`;
      this._server.setAttribute('data-vibe-server', 'error');
    }
  }

  async refreshKeys(force = false): Promise<void> {
    try {
      this._keys.update(await api.authStatus(), force);
    } catch (error) {
      this.notify(error);
    }
  }

  /** Show a project's stored conversation, files and versions (or an empty view). */
  async showProject(id: number | null): Promise<void> {
    try {
      if (id === null) {
        this._chat.clear();
      } else {
        await this._chat.restore((await api.project(id)).messages);
      }
      await this._app.show(id);
    } catch (error) {
      this.notify(error);
    }
  }

  async send(): Promise<void> {
    const prompt = this._prompt.value;
    if (!prompt.trim() || this._turn) {
      return;
    }
    const choice = this._agents.choice;
    const body: IAskBody = {
      prompt,
      project: this._projects.selectedName ?? SCRATCH_PROJECT,
      auto: choice.auto,
      ...(choice.agents.length === 1 ? { agent: choice.agents[0] } : {}),
      ...(choice.agents.length > 1 ? { agents: choice.agents, chain: choice.chain } : {}),
      model: this._model.value.trim() || null
    };
    this.notify(null);
    this._chat.addPrompt(prompt);
    this._prompt.value = '';
    const turn = (this._turn = new Turn(this._chat, body));
    this._setStreaming(true);
    try {
      const result = await turn.run(() => undefined);
      if (result.error) {
        this._prompt.value = this._prompt.value || prompt; // nothing was sent: keep the text
      }
      const kinds = [result.error?.kind, ...result.finals.map(f => (f.type === 'error' ? f.kind : ''))];
      if (kinds.some(k => k === 'key_missing' || k === 'auth')) {
        await this.refreshKeys(true);
      }
      const projectId = result.start?.project_id ?? null;
      if (projectId !== null) {
        await this._projects.refresh(projectId);
        await this._app.refresh(projectId);
      }
    } catch (error) {
      this.notify(error);
    } finally {
      this._turn = null;
      this._setStreaming(false);
      void this._budget.refresh(this._projects.selectedName);
    }
  }

  async stop(): Promise<void> {
    await this._turn?.stop();
  }

  async openAsNotebook(): Promise<void> {
    const id = this._projects.selected;
    if (id === null) {
      this.notify(new ApiError('Pick or create a project first.', 0, 'input'));
      return;
    }
    try {
      await openAsNotebook(this._options.app, id, this._projects.selectedName ?? 'project');
    } catch (error) {
      this.notify(error);
    }
  }

  /** Show an error (with its how-to-fix hint) under the composer; null clears it. */
  notify(error: unknown): void {
    if (error === null) {
      this._notice.textContent = '';
      return;
    }
    const e = error as ApiError;
    this._notice.textContent = e.hint ? `${e.message} ${e.hint}` : String(e.message ?? e);
  }

  private _composer(): HTMLElement {
    const form = div('jp-VibeComposer');
    this._model = document.createElement('input');
    this._model.className = 'jp-VibeComposer-model';
    this._model.placeholder = 'Model (default from settings), e.g. haiku';
    this._model.setAttribute('aria-label', 'Model');
    this._prompt = document.createElement('textarea');
    this._prompt.className = 'jp-VibeComposer-prompt';
    this._prompt.rows = 4;
    this._prompt.placeholder = 'Ask an agent… (Ctrl/Cmd+Enter sends)';
    this._prompt.setAttribute('aria-label', 'Prompt');
    this._prompt.addEventListener('keydown', event => {
      if (event.key === 'Enter' && (event.metaKey || event.ctrlKey)) {
        event.preventDefault();
        event.stopPropagation();
        void this.send();
      }
    });
    this._send = button('Send', 'Send', () => this.send(), 'jp-VibeButton jp-mod-accept');
    this._stop = button('Stop', 'Stop', () => this.stop(), 'jp-VibeButton jp-mod-warn');
    this._stop.disabled = true;
    const buttons = div('jp-VibeComposer-buttons');
    buttons.append(this._send, this._stop);
    form.append(this._model, this._prompt, buttons);
    return form;
  }

  private _setStreaming(on: boolean): void {
    this._send.disabled = on;
    this._stop.disabled = !on;
    this._projects.setEnabled(!on);
    this.node.classList.toggle('jp-mod-streaming', on);
  }

  private _server: HTMLDivElement;
  private _budget = new BudgetGauge();
  private _notice: HTMLDivElement;
  private _projects: ProjectBar;
  private _keys: KeySetup;
  private _agents: AgentPicker;
  private _chat: Conversation;
  private _app: AppPanel;
  private _model!: HTMLInputElement;
  private _prompt!: HTMLTextAreaElement;
  private _send!: HTMLButtonElement;
  private _stop!: HTMLButtonElement;
  private _turn: Turn | null = null;
}

function div(className: string): HTMLDivElement {
  const el = document.createElement('div');
  el.className = className;
  return el;
}
