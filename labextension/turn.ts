import { ApiError, api, streamAsk } from './api';
import { Answer, Conversation } from './chat';
import { ToolStepView } from './steps';
import { FinalEvent, IAskBody, IConsentEvent, INotebookRequestEvent, IStartEvent } from './types';

/** What a tool-using turn needs from the sidebar. */
export interface ITurnTools {
  /** NotebookRead / NotebookEdit on the open notebook's live model (bridge.ts). */
  notebook(event: INotebookRequestEvent): Record<string, unknown>;
  /** "Allow for this chat": the sidebar sends this tool in `allow` from now on. */
  allowForChat(name: string): void;
}

/** How a turn ended, for the sidebar to react (e.g. show the key form). */
export interface ITurnResult {
  start: IStartEvent | null;
  error: ApiError | null;
  finals: FinalEvent[];
}

/**
 * One prompt and its streamed answers (one per agent). Stop goes through the server's
 * stop route, so the partial answer arrives as a cancelled event and is stored; before
 * the stream has an id, or if the route fails, the request is aborted instead, which
 * the server also treats as a stop.
 */
export class Turn {
  constructor(private _chat: Conversation, private _body: IAskBody, private _tools: ITurnTools | null = null) {}

  get streamId(): string | null {
    return this._start?.stream_id ?? null;
  }

  async run(onStart: (event: IStartEvent) => void): Promise<ITurnResult> {
    let error: ApiError | null = null;
    try {
      await streamAsk(
        this._body,
        {
          start: event => {
            this._start = event;
            // Parallel answers appear at once; a chain's appear as each agent starts.
            const first = event.mode === 'chain' ? event.agents.slice(0, 1) : event.agents;
            (first.length ? first : [null]).forEach(agent => this._answer(agent));
            if (event.pick) {
              const why = event.pick.fallback ? 'default agent' : `score ${event.pick.score}`;
              this._answer(event.pick.name).note(`Auto-picked (${why})`, event.pick.reasons.join('\n'));
            }
            for (const notice of event.notices ?? []) {
              this._answer(first[0] ?? null).note(notice);
            }
            onStart(event);
          },
          token: event => {
            this._answer(event.agent).appendToken(event.text);
            this._chat.follow();
          },
          toolUse: event => {
            const step = new ToolStepView(event);
            this._steps.set(event.id, step);
            this._answer(event.agent).addStep(step.node);
            this._chat.follow();
          },
          toolResult: event => {
            this._steps.get(event.id)?.finish(event);
            this._steps.delete(event.id);
            this._answer(event.agent).setStatus('streaming');
          },
          consent: event => this._ask(event),
          notebookRequest: event => {
            const result = this._tools ? this._tools.notebook(event) : { ok: false, error: 'No notebook is open.' };
            void api.answerNotebook(event.stream_id, event.request_id, result).catch(() => undefined);
          },
          final: event => {
            this._steps.forEach(step => step.abandon());
            this._finals.push(event);
            this._done.add(event.agent ?? '');
            void this._answer(event.agent).finish(event);
          }
        },
        this._abort.signal
      );
    } catch (caught) {
      error = this._failed(caught);
    }
    this._steps.forEach(step => step.abandon());
    this._closeUnfinished(error);
    return { start: this._start, error, finals: this._finals };
  }

  async stop(): Promise<void> {
    this._stopping = true;
    const id = this.streamId;
    if (id) {
      try {
        await api.stopStream(id);
        return;
      } catch {
        // finished meanwhile, or unreachable: abort below
      }
    }
    this._abort.abort();
  }

  /** A call waits for consent: the step shows it, the answer shows it waits. */
  private _ask(event: IConsentEvent): void {
    const step = this._steps.get(event.id);
    const answer = this._answer(event.agent);
    if (!step) {
      void api.answerConsent(event.stream_id, event.request_id, 'deny', 'the sidebar lost track of this call');
      return;
    }
    answer.setStatus('waiting');
    step.ask(event, async (verdict, reason) => {
      if (verdict === 'chat') {
        this._tools?.allowForChat(event.name);
      }
      try {
        await api.answerConsent(event.stream_id, event.request_id, verdict, reason);
      } catch {
        // timed out or stopped meanwhile: the tool_result tells what happened
      }
      answer.setStatus('streaming');
    });
    this._chat.follow();
  }

  private _answer(agent: string | null): Answer {
    const key = agent ?? '';
    let answer = this._answers.get(key);
    if (!answer) {
      answer = this._chat.addAnswer(agent);
      this._answers.set(key, answer);
    }
    return answer;
  }

  private _failed(caught: unknown): ApiError | null {
    if ((caught as Error)?.name === 'AbortError') {
      return null;
    }
    if (caught instanceof ApiError) {
      return caught;
    }
    return new ApiError(String(caught), 0, 'network');
  }

  /** Answers that got no final event: the request failed, was aborted or was cut off. */
  private _closeUnfinished(error: ApiError | null): void {
    const open = [...this._answers.entries()].filter(([key]) => !this._done.has(key));
    if (error && open.length === 0 && this._done.size === 0) {
      open.push(['', this._answer(null)]);
    }
    for (const [, answer] of open) {
      if (error) {
        answer.fail(error.message, error.hint);
      } else if (this._stopping) {
        answer.fail('Stopped.', '', 'cancelled');
      } else {
        answer.fail('The stream ended without a final event.', 'Check the Jupyter server log.');
      }
    }
  }

  private _start: IStartEvent | null = null;
  private _answers = new Map<string, Answer>();
  private _done = new Set<string>();
  private _finals: FinalEvent[] = [];
  private _steps = new Map<string, ToolStepView>();
  private _abort = new AbortController();
  private _stopping = false;
}
