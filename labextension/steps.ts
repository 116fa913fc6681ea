/**
 * Tool steps in the sidebar's conversation: one collapsed <details> per tool call (name,
 * status, duration; expanded: the input and the result), and the consent view of a call
 * that waits for the user (what it will do, Allow once / Allow for this chat / Deny).
 * Everything from the model or a tool is shown as text (textContent), never as HTML.
 */
import { IConsentEvent, IStoredStep, IToolResultEvent, IToolUseEvent } from './types';

export type Verdict = 'once' | 'chat' | 'deny';

function summaryOf(input: Record<string, unknown>): string {
  const first = String(input.code ?? input.command ?? input.file_path ?? input.pattern ?? input.edit_mode ?? input.name ?? '')
    .split('\n')[0];
  return first.length > 70 ? `${first.slice(0, 69)}…` : first;
}

function block(label: string, text: string, className: string): HTMLElement {
  const wrap = document.createElement('div');
  wrap.className = className;
  const title = document.createElement('div');
  title.className = 'jp-VibeStep-label';
  title.textContent = label;
  const pre = document.createElement('pre');
  pre.textContent = text;
  wrap.append(title, pre);
  return wrap;
}

/** One tool call as it runs, waits for consent and ends. */
export class ToolStepView {
  constructor(use: IToolUseEvent) {
    this.id = use.id;
    this.name = use.name;
    this._started = performance.now();
    this.node = document.createElement('details');
    this.node.className = 'jp-VibeStep';
    this.node.setAttribute('data-vibe-tool', use.name);
    const summary = document.createElement('summary');
    const name = document.createElement('span');
    name.className = 'jp-VibeStep-name';
    name.textContent = use.name;
    const what = document.createElement('span');
    what.className = 'jp-VibeStep-what';
    what.textContent = summaryOf(use.input ?? {});
    this._facts = document.createElement('span');
    this._facts.className = 'jp-VibeStep-facts';
    summary.append(name, what, this._facts);
    this._body = document.createElement('div');
    this._body.className = 'jp-VibeStep-body';
    this._body.appendChild(block('Input', JSON.stringify(use.input ?? {}, null, 2), 'jp-VibeStep-input'));
    this.node.append(summary, this._body);
    this._set('running');
  }

  readonly node: HTMLDetailsElement;
  readonly id: string;
  readonly name: string;

  get status(): string {
    return this.node.getAttribute('data-vibe-step') ?? '';
  }

  /** The server asks before running it: show what it will do and the three answers. */
  ask(event: IConsentEvent, answer: (verdict: Verdict, reason: string) => Promise<void>): void {
    this._set('waiting');
    this.node.open = true; // a question must be seen
    const view = document.createElement('div');
    view.className = 'jp-VibeConsent';
    view.setAttribute('role', 'group');
    view.setAttribute('aria-label', `${event.name} asks for consent`);
    view.appendChild(block(`${event.name} wants to run:`, event.description, 'jp-VibeConsent-what'));
    const reason = document.createElement('input');
    reason.className = 'jp-VibeConsent-reason';
    reason.placeholder = 'Reason for denying (optional, the agent reads it)';
    const buttons = document.createElement('div');
    buttons.className = 'jp-VibeConsent-buttons';
    const choices: [Verdict, string][] = [
      ['once', 'Allow once'],
      ['chat', 'Allow for this chat'],
      ['deny', 'Deny']
    ];
    for (const [verdict, label] of choices) {
      const button = document.createElement('button');
      button.className = `jp-Button jp-mod-styled jp-VibeConsent-${verdict} ${verdict === 'deny' ? 'jp-mod-reject' : 'jp-mod-accept'}`;
      button.textContent = label;
      button.addEventListener('click', () => {
        view.querySelectorAll('button').forEach(b => ((b as HTMLButtonElement).disabled = true));
        void answer(verdict, reason.value).then(() => {
          view.remove();
          if (this.status === 'waiting') {
            // the result may have come first (a quick tool): then it has the last word
            this._set(verdict === 'deny' ? 'denied' : 'running');
            this.node.open = false;
          }
        });
      });
      buttons.appendChild(button);
    }
    view.append(buttons, reason);
    this._consent = view;
    this._body.appendChild(view);
  }

  /** The tool's result arrived (ok, error or denied). */
  finish(event: IToolResultEvent): void {
    this._consent?.remove();
    this._consent = null;
    this._duration = (performance.now() - this._started) / 1000;
    this._body.appendChild(block('Result', event.content, 'jp-VibeStep-result'));
    this._set(event.status);
    this.node.open = false;
  }

  /** A step of a stored answer, drawn ended (the conversation was reopened). */
  static restored(step: IStoredStep): ToolStepView {
    const use = { id: step.id, name: step.name, input: step.input, agent: null, stream_id: '' };
    const view = new ToolStepView({ type: 'tool_use', ...use });
    view._duration = step.duration;
    view._body.appendChild(block('Result', step.content, 'jp-VibeStep-result'));
    view._set(step.status);
    return view;
  }

  /** The stream ended with this step unfinished (Stop, the client's side went away). */
  abandon(): void {
    if (this.status === 'running' || this.status === 'waiting') {
      this._consent?.remove();
      this._set('stopped');
    }
  }

  private _set(status: string): void {
    this.node.setAttribute('data-vibe-step', status);
    const shown = status === 'waiting' ? 'waiting for your answer' : status;
    this._facts.textContent = this._duration === null ? shown : `${shown} · ${this._duration.toFixed(2)} s`;
  }

  private _body: HTMLDivElement;
  private _facts: HTMLSpanElement;
  private _consent: HTMLElement | null = null;
  private _started: number;
  private _duration: number | null = null;
}
