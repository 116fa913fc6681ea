import { api } from './api';
import { IAgent } from './types';

/** What the picker sends with a prompt. */
export interface IAgentChoice {
  auto: boolean;
  agents: string[];
  chain: boolean;
}

const SEARCH_DELAY_MS = 200;

/**
 * Agent picker: "Auto" (the server picks from the prompt), or one or more agents
 * (several run in parallel, or as a chain), with search over the installed agents.
 */
export class AgentPicker {
  constructor(private _onError: (e: unknown) => void) {
    this.node = document.createElement('details');
    this.node.className = 'jp-VibeAgents';
    this._summary = document.createElement('summary');
    this._auto = checkbox('Auto', true);
    this._chain = checkbox('Chain', false);
    this._search = document.createElement('input');
    this._search.type = 'search';
    this._search.placeholder = 'Search agents';
    this._search.setAttribute('aria-label', 'Search agents');
    this._search.addEventListener('input', () => this._searchSoon());
    this._list = document.createElement('ul');
    this._list.className = 'jp-VibeAgents-list';
    this._list.setAttribute('role', 'group');
    this._list.setAttribute('aria-label', 'Agents');
    this._auto.input.addEventListener('change', () => {
      if (this._auto.input.checked) {
        this._selected.clear();
        this._renderList(this._shown);
      }
      this._update();
    });
    this._chain.input.addEventListener('change', () => this._update());
    this.node.append(this._summary, this._auto.label, this._search, this._list, this._chain.label);
    this._update();
  }

  readonly node: HTMLDetailsElement;

  get choice(): IAgentChoice {
    const agents = [...this._selected];
    return {
      auto: this._auto.input.checked && agents.length === 0,
      agents,
      chain: agents.length > 1 && this._chain.input.checked
    };
  }

  async load(): Promise<void> {
    try {
      this._all = await api.agents();
      this._renderList(this._all);
    } catch (error) {
      this._onError(error);
    }
  }

  private _searchSoon(): void {
    window.clearTimeout(this._timer);
    this._timer = window.setTimeout(() => void this._runSearch(), SEARCH_DELAY_MS);
  }

  private async _runSearch(): Promise<void> {
    const query = this._search.value.trim();
    try {
      this._renderList(query ? await api.searchAgents(query) : this._all);
    } catch (error) {
      this._onError(error);
    }
  }

  private _renderList(agents: IAgent[]): void {
    this._shown = agents;
    this._list.replaceChildren(
      ...agents.map(agent => {
        const item = document.createElement('li');
        const box = checkbox(agent.name, this._selected.has(agent.name));
        box.input.addEventListener('change', () => {
          if (box.input.checked) {
            this._selected.add(agent.name);
            this._auto.input.checked = false;
          } else {
            this._selected.delete(agent.name);
          }
          this._update();
        });
        const about = document.createElement('small');
        about.textContent = agent.description;
        item.title = agent.description;
        item.append(box.label, about);
        return item;
      })
    );
  }

  private _update(): void {
    const { auto, agents, chain } = this.choice;
    this._chain.label.hidden = agents.length < 2;
    this._summary.textContent = auto
      ? 'Agent: Auto'
      : agents.length === 0
        ? 'Agent: none (plain model)'
        : agents.length === 1
          ? `Agent: ${agents[0]}`
          : `Agents: ${agents.join(', ')} (${chain ? 'chain' : 'in parallel'})`;
  }

  private _summary: HTMLElement;
  private _auto: ICheckbox;
  private _chain: ICheckbox;
  private _search: HTMLInputElement;
  private _list: HTMLUListElement;
  private _all: IAgent[] = [];
  private _shown: IAgent[] = [];
  private _selected = new Set<string>();
  private _timer = 0;
}

interface ICheckbox {
  label: HTMLLabelElement;
  input: HTMLInputElement;
}

function checkbox(text: string, checked: boolean): ICheckbox {
  const label = document.createElement('label');
  const input = document.createElement('input');
  input.type = 'checkbox';
  input.checked = checked;
  input.value = text;
  label.append(input, ` ${text}`);
  return { label, input };
}
