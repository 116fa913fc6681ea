import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

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
