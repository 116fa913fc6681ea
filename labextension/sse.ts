/** A small Server-Sent Events parser: text chunks in, complete events out. */

export interface IServerEvent {
  event: string;
  data: string;
}

/**
 * Feed it decoded text (use `TextDecoder` with `{stream: true}` so split UTF-8
 * characters survive); it returns the events each chunk completed, in order.
 * Comment lines (`: keep-alive`) are skipped; an event is dispatched on a blank line.
 */
export class SSEParser {
  feed(chunk: string): IServerEvent[] {
    this._buffer += chunk;
    const events: IServerEvent[] = [];
    // Keep a trailing CR: its LF may arrive in the next chunk.
    const lines = this._buffer.split(/\r\n|\n|\r(?!$)/);
    this._buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') {
        if (this._data.length) {
          events.push({ event: this._event || 'message', data: this._data.join('\n') });
        }
        this._event = '';
        this._data = [];
        continue;
      }
      if (line.startsWith(':')) {
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) {
        value = value.slice(1);
      }
      if (field === 'event') {
        this._event = value;
      } else if (field === 'data') {
        this._data.push(value);
      }
    }
    return events;
  }

  private _buffer = '';
  private _event = '';
  private _data: string[] = [];
}

/** The events of a streamed `Response`, as they arrive (rejects with AbortError on abort). */
export async function* readEvents(response: Response): AsyncGenerator<IServerEvent> {
  if (!response.body) {
    throw new Error('The browser cannot read streamed responses.');
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const parser = new SSEParser();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      for (const event of parser.feed(done ? decoder.decode() : decoder.decode(value, { stream: true }))) {
        yield event;
      }
      if (done) {
        return;
      }
    }
  } finally {
    reader.releaseLock();
  }
}
