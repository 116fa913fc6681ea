import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { SSEParser } from './sse';
import {
  FinalEvent,
  IAgent,
  IAskBody,
  IAuthStatus,
  IProject,
  IProjectFile,
  IProjectSummary,
  IStartEvent,
  ITokenEvent,
  IToolUseEvent,
  IVersion,
  IVersions
} from './types';

/** Base of the server extension's routes. */
export const API_ROOT = 'vibing2-lab/api';

/** An error answered by the server extension, with its kind and how-to-fix text. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly kind: string = 'error',
    readonly hint: string = ''
  ) {
    super(message);
  }
}

/** Raw request to a vibing2-lab route; token and XSRF are handled by ServerConnection. */
export async function rawRequest(
  endPoint: string,
  init: RequestInit = {}
): Promise<Response> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, API_ROOT, endPoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    if ((error as Error)?.name === 'AbortError') {
      throw error;
    }
    throw new ApiError(`The Jupyter server is unreachable: ${error}`, 0, 'network');
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    let kind = 'http';
    let hint = '';
    try {
      const data = await response.json();
      const err = data.error ?? data;
      message = err.message ?? message;
      kind = err.kind ?? kind;
      hint = err.hint ?? '';
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(message, response.status, kind, hint);
  }
  return response;
}

/** JSON request to a vibing2-lab route. */
export async function requestAPI<T>(endPoint = '', init: RequestInit = {}): Promise<T> {
  const response = await rawRequest(endPoint, init);
  if (response.status === 204) {
    return undefined as T;
  }
  return (await response.json()) as T;
}

function send(method: string, body: unknown): RequestInit {
  return { method, body: JSON.stringify(body) };
}

function projectPath(id: number, rest = ''): string {
  return `projects/${encodeURIComponent(String(id))}${rest}`;
}

/** The routes the sidebar uses, typed. */
export const api = {
  projects: async (): Promise<IProjectSummary[]> =>
    (await requestAPI<{ projects: IProjectSummary[] }>('projects')).projects,
  createProject: (name: string | null): Promise<IProject> =>
    requestAPI<IProject>('projects', send('POST', { name })),
  project: (id: number): Promise<IProject> => requestAPI<IProject>(projectPath(id)),
  renameProject: (id: number, name: string): Promise<IProject> =>
    requestAPI<IProject>(projectPath(id), send('PATCH', { name })),
  deleteProject: (id: number): Promise<void> =>
    requestAPI<void>(projectPath(id), { method: 'DELETE' }),
  versions: (id: number): Promise<IVersions> => requestAPI<IVersions>(projectPath(id, '/versions')),
  diff: async (id: number, a: number, b: number): Promise<string> =>
    (await requestAPI<{ diff: string }>(projectPath(id, `/diff?a=${a}&b=${b}`))).diff,
  revert: (id: number, to: number): Promise<IVersion> =>
    requestAPI<IVersion>(projectPath(id, '/revert'), send('POST', { to })),
  appZip: async (id: number): Promise<Blob> => (await rawRequest(projectPath(id, '/app.zip'))).blob(),
  deleteFile: async (id: number, path: string): Promise<IProjectFile[]> =>
    (
      await requestAPI<{ files: IProjectFile[] }>(
        projectPath(id, `/files?path=${encodeURIComponent(path)}`),
        { method: 'DELETE' }
      )
    ).files,
  exportNotebook: (id: number): Promise<Record<string, unknown>> =>
    requestAPI<Record<string, unknown>>(projectPath(id, '/export.ipynb')),
  agents: async (): Promise<IAgent[]> =>
    (await requestAPI<{ agents: IAgent[] }>('agents')).agents,
  searchAgents: async (q: string): Promise<IAgent[]> =>
    (await requestAPI<{ agents: IAgent[] }>(`agents/search?q=${encodeURIComponent(q)}&limit=50`))
      .agents,
  authStatus: (): Promise<IAuthStatus> => requestAPI<IAuthStatus>('auth/status'),
  storeKey: (provider: string, key: string): Promise<unknown> =>
    requestAPI('auth/key', send('POST', { provider, key })),
  stopStream: (streamId: string): Promise<unknown> =>
    requestAPI(`stream/${encodeURIComponent(streamId)}/stop`, { method: 'POST' })
};

/** What a stream's reader is told, event by event. */
export interface IStreamHandlers {
  start(event: IStartEvent): void;
  token(event: ITokenEvent): void;
  toolUse(event: IToolUseEvent): void;
  final(event: FinalEvent): void;
}

/**
 * POST stream and dispatch its events as they arrive (response.body.getReader()).
 * Resolves when the server ends the stream; rejects with ApiError for a 4xx answer
 * and with an AbortError when `signal` aborts.
 */
export async function streamAsk(
  body: IAskBody,
  handlers: IStreamHandlers,
  signal?: AbortSignal
): Promise<void> {
  const response = await rawRequest('stream', { ...send('POST', body), signal });
  if (!response.body) {
    throw new ApiError('The browser cannot read streamed responses.', 0, 'browser');
  }
  const dispatch: Record<string, (data: any) => void> = {
    start: handlers.start,
    token: handlers.token,
    tool_use: handlers.toolUse,
    complete: handlers.final,
    error: handlers.final
  };
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const parser = new SSEParser();
  for (;;) {
    const { done, value } = await reader.read();
    const text = done ? decoder.decode() : decoder.decode(value, { stream: true });
    for (const event of parser.feed(text)) {
      dispatch[event.event]?.(JSON.parse(event.data));
    }
    if (done) {
      return;
    }
  }
}
