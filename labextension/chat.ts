import { IRenderMimeRegistry } from '@jupyterlab/rendermime';

import { ICodeActions, MarkdownView } from './markdown';
import { ToolStepView } from './steps';
import { AnswerStatus, FinalEvent, IMessage, IRun } from './types';

/** Tokens, cost and time of one answer, as the footer shows them. */
export interface IMetrics {
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
  seconds: number | null;
  model: string | null;
}

export function metricsOfEvent(event: FinalEvent): IMetrics {
  return {
    inputTokens: event.usage?.input_tokens ?? 0,
    outputTokens: event.usage?.output_tokens ?? 0,
    costUsd: event.cost_usd,
    seconds: event.timings?.duration ?? null,
    model: event.model
  };
}

export function metricsOfRun(run: IRun): IMetrics {
  return {
    inputTokens: run.input_tokens,
    outputTokens: run.output_tokens,
    costUsd: run.cost_usd,
    seconds: run.duration_s,
    model: run.model
  };
}

export function formatMetrics(m: IMetrics): string {
  const parts = [`${m.inputTokens.toLocaleString()} in / ${m.outputTokens.toLocaleString()} out tokens`];
  if (m.costUsd !== null && m.costUsd !== undefined) {
    parts.push(`$${m.costUsd < 0.01 ? m.costUsd.toFixed(4) : m.costUsd.toFixed(2)}`);
  }
  if (m.seconds !== null && m.seconds !== undefined) {
    parts.push(`${m.seconds.toFixed(1)} s`);
  }
  if (m.model) {
    parts.push(m.model);
  }
  return parts.join(' · ');
}

/** One assistant answer: Markdown body, a status (`data-vibe-status`), metrics, error text. */
export class Answer {
  constructor(rendermime: IRenderMimeRegistry, actions: ICodeActions, agent: string | null) {
    this.node = document.createElement('article');
    this.node.className = 'jp-VibeAnswer';
    this.node.setAttribute('aria-label', agent ? `Answer from ${agent}` : 'Answer');
    const header = document.createElement('header');
    header.className = 'jp-VibeAnswer-header';
    header.textContent = agent ?? 'Assistant';
    this._status = document.createElement('span');
    this._status.className = 'jp-VibeAnswer-status';
    header.appendChild(this._status);
    this._body = new MarkdownView(rendermime, actions);
    this._problem = document.createElement('div');
    this._problem.className = 'jp-VibeAnswer-problem';
    this._problem.setAttribute('role', 'alert');
    this._problem.hidden = true;
    this._footer = document.createElement('footer');
    this._footer.className = 'jp-VibeAnswer-metrics';
    this._steps = document.createElement('div');
    this._steps.className = 'jp-VibeAnswer-steps';
    this.node.append(header, this._steps, this._body.node, this._problem, this._footer);
    this.setStatus('streaming');
    this._started = performance.now();
  }

  readonly node: HTMLElement;

  get status(): AnswerStatus {
    return this.node.getAttribute('data-vibe-status') as AnswerStatus;
  }

  setStatus(status: AnswerStatus): void {
    this.node.setAttribute('data-vibe-status', status);
    this._status.textContent = status;
  }

  /** A line under the header, e.g. why Auto picked this agent. */
  note(text: string, detail = ''): void {
    const el = document.createElement('div');
    el.className = 'jp-VibeAnswer-note';
    el.textContent = text;
    el.title = detail;
    this.node.insertBefore(el, this._body.node);
  }

  /** A tool step (steps.ts) of this answer, in call order above its text. */
  addStep(node: HTMLElement): void {
    this._steps.appendChild(node);
  }

  appendToken(text: string): void {
    this._text += text;
    this._body.update(this._text);
    const seconds = (performance.now() - this._started) / 1000;
    this._footer.textContent = `streaming… ${seconds.toFixed(1)} s`;
  }

  /** The stream ended for this answer: final text, status, metrics, and the error if any. */
  async finish(event: FinalEvent): Promise<void> {
    const text = event.type === 'complete' ? event.text : event.partial_text || this._text;
    this._text = text;
    await this._body.flush(text);
    if (event.type === 'error') {
      this.showProblem(event.message, event.hint, event.status === 'cancelled');
    }
    this._footer.textContent = formatMetrics(metricsOfEvent(event));
    this.setStatus(event.status);
  }

  /** A stored answer, as the conversation is restored. */
  async restore(message: IMessage): Promise<void> {
    for (const step of message.steps ?? []) {
      this.addStep(ToolStepView.restored(step).node);
    }
    this._text = message.content;
    await this._body.flush(message.content);
    this._footer.textContent = message.run ? formatMetrics(metricsOfRun(message.run)) : '';
    this.setStatus(message.status);
    if (message.status === 'cancelled') {
      this.showProblem('Stopped before the answer was complete.', '', true);
    } else if (message.status === 'error') {
      this.showProblem('The answer failed before it was complete.', '', false);
    }
  }

  /** The request failed before or while streaming (no final event came). */
  fail(message: string, hint: string, status: AnswerStatus = 'error'): void {
    this.showProblem(message, hint, status === 'cancelled');
    this._footer.textContent = '';
    this.setStatus(status);
  }

  showProblem(message: string, hint: string, cancelled: boolean): void {
    this._problem.hidden = false;
    this._problem.classList.toggle('jp-mod-cancelled', cancelled);
    this._problem.textContent = hint ? `${message} ${hint}` : message;
  }

  dispose(): void {
    this._body.dispose();
  }

  private _text = '';
  private _steps: HTMLDivElement;
  private _status: HTMLSpanElement;
  private _body: MarkdownView;
  private _problem: HTMLDivElement;
  private _footer: HTMLElement;
  private _started: number;
}

/** The conversation: user prompts and answers, newest at the bottom. */
export class Conversation {
  constructor(private _rendermime: IRenderMimeRegistry, private _actions: ICodeActions) {
    this.node = document.createElement('div');
    this.node.className = 'jp-VibeChat';
    this.node.setAttribute('role', 'log');
    this.node.setAttribute('aria-label', 'Conversation');
    this._empty = document.createElement('p');
    this._empty.className = 'jp-VibeChat-empty';
    this._empty.textContent = 'Ask for an app, a chart or a fix. Ctrl/Cmd+Enter sends.';
    this.node.appendChild(this._empty);
  }

  readonly node: HTMLDivElement;

  clear(): void {
    this._answers.forEach(a => a.dispose());
    this._answers = [];
    this.node.replaceChildren(this._empty);
  }

  addPrompt(text: string): void {
    this._empty.remove();
    const el = document.createElement('div');
    el.className = 'jp-VibePrompt';
    el.textContent = text;
    this.node.appendChild(el);
    this._scroll();
  }

  addAnswer(agent: string | null): Answer {
    this._empty.remove();
    const answer = new Answer(this._rendermime, this._actions, agent);
    this._answers.push(answer);
    this.node.appendChild(answer.node);
    this._scroll();
    return answer;
  }

  /** Show a stored conversation. */
  async restore(messages: IMessage[]): Promise<void> {
    this.clear();
    for (const message of messages) {
      if (message.role === 'user') {
        this.addPrompt(message.content);
      } else if (message.role === 'assistant') {
        await this.addAnswer(message.agent).restore(message);
      }
    }
    this._scroll();
  }

  /** Keep the newest text in view while streaming (unless the user scrolled up). */
  follow(): void {
    this._scroll();
  }

  private _scroll(): void {
    const el = this.node;
    if (el.scrollHeight - el.scrollTop - el.clientHeight < 80 || el.childElementCount < 3) {
      el.scrollTop = el.scrollHeight;
    }
  }

  private _empty: HTMLParagraphElement;
  private _answers: Answer[] = [];
}
