import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import {
  CompletionHandler,
  ICompletionProviderManager,
  IInlineCompletionContext,
  IInlineCompletionItem,
  IInlineCompletionList,
  IInlineCompletionProvider,
  InlineCompletionTriggerKind
} from '@jupyterlab/completer';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { rawRequest } from './api';
import { completionBody } from './completion-context';
import { completionStatus } from './completion-status';
import { IServerEvent, readEvents } from './sse';

const PLUGIN_ID = 'vibing2-lab:completion';

/** The user's own JupyterLab settings (unset keys fall back to the server's config.yaml). */
interface IUserSettings {
  enabled?: boolean;
  model?: string;
  maxLines?: number;
  debounceMs?: number;
}

interface IPending {
  events: AsyncGenerator<IServerEvent>;
  controller: AbortController;
  text: string;
}

/** Reads events until the continuation grows (true) or the stream ends (false). */
async function grow(pending: IPending): Promise<boolean> {
  for (;;) {
    const { done, value } = await pending.events.next();
    if (done) {
      return false;
    }
    const data = JSON.parse(value.data);
    if (value.event === 'token') {
      pending.text += data.text;
      return true;
    }
    if (value.event === 'done' && data.status === 'error') {
      completionStatus.failed(data.kind, data.message, data.hint);
    } else if (value.event === 'done' && data.status === 'complete' && data.text !== pending.text) {
      pending.text = data.text;
      return true;
    }
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function quiet(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise(resolve => {
    const timer = setTimeout(() => resolve(!signal.aborted), ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

/**
 * Ghost-text completions from the server's `POST complete` (SSE). Each fetch abandons the
 * one before it (the user typed on): aborting the request closes the connection, and the
 * server cancels the upstream model call. `fetch` answers with the first token (so no
 * empty ghost text ever takes the Tab key), `stream` grows it token by token.
 */
export class VibeInlineProvider implements IInlineCompletionProvider {
  readonly identifier = 'vibing2-lab:inline';
  readonly name = 'Vibe';
  // Debouncing happens here (debounce_ms), so JupyterLab's own debouncer stays at 0.
  readonly schema = { default: { debouncerDelay: 0, timeout: 15000 } };

  user: IUserSettings = {};

  async fetch(
    request: CompletionHandler.IRequest,
    context: IInlineCompletionContext
  ): Promise<IInlineCompletionList<IInlineCompletionItem>> {
    this._current?.abort();
    const controller = (this._current = new AbortController());
    const none = { items: [] };
    if (this.user.enabled === false) {
      completionStatus.disabled();
      return none;
    }
    const status = await completionStatus.current();
    if (!status?.available || controller.signal.aborted) {
      return none;
    }
    const automatic = context.triggerKind === InlineCompletionTriggerKind.Automatic;
    const wait = this.user.debounceMs ?? status.debounce_ms;
    if (automatic && wait > 0 && !(await quiet(wait, controller.signal))) {
      return none;
    }
    const body = {
      ...completionBody(request, context.widget),
      ...(this.user.model ? { model: this.user.model } : {}),
      ...(this.user.maxLines ? { max_lines: this.user.maxLines } : {})
    };
    let pending: IPending | null = null;
    let more = false;
    try {
      const response = await rawRequest('complete', {
        method: 'POST',
        body: JSON.stringify(body),
        signal: controller.signal
      });
      pending = { events: readEvents(response), controller, text: '' };
      more = await grow(pending); // the ghost text appears with the first token, never empty
    } catch (error) {
      const e = error as any;
      if (!controller.signal.aborted) {
        completionStatus.failed(e.kind ?? 'error', e.message ?? String(e), e.hint ?? '');
      }
      return none;
    }
    if (!pending?.text) {
      return none;
    }
    if (!more) {
      return { items: [{ insertText: pending.text }] };
    }
    const token = String(++this._tokens);
    this._pending.set(token, pending);
    return { items: [{ insertText: pending.text, isIncomplete: true, token }] };
  }

  async *stream(token: string): AsyncGenerator<{ response: IInlineCompletionItem }> {
    const pending = this._pending.get(token);
    this._pending.delete(token);
    if (!pending) {
      return;
    }
    try {
      while (await grow(pending)) {
        yield { response: { insertText: pending.text } };
      }
    } catch (error) {
      if (!pending.controller.signal.aborted) {
        console.warn('vibing2-lab: completion stream failed', error);
      }
    } finally {
      if (this._current === pending.controller) {
        this._current = null;
      }
    }
  }

  private _current: AbortController | null = null;
  private _pending = new Map<string, IPending>();
  private _tokens = 0;
}

/** Registers the Vibe inline completion provider (ghost text; Tab accepts, Alt+\ invokes). */
export const completionPlugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Inline (ghost text) code completion from the fast-tier model, through the server extension.',
  autoStart: true,
  requires: [ICompletionProviderManager],
  optional: [ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    manager: ICompletionProviderManager,
    settings: ISettingRegistry | null
  ) => {
    const provider = new VibeInlineProvider();
    manager.registerInlineProvider(provider);
    void completionStatus.refresh();
    if (settings) {
      void settings
        .load(PLUGIN_ID)
        .then(loaded => {
          const update = () => {
            provider.user = (loaded.user ?? {}) as IUserSettings;
            void completionStatus.refresh();
          };
          update();
          loaded.changed.connect(update);
        })
        .catch(error => console.warn('vibing2-lab: completion settings not loaded', error));
    }
  }
};
