/** JSON shapes answered by the vibing2-lab server extension (see vibing2_lab/server/). */

export interface IUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens?: number;
  cache_write_tokens?: number;
}

export interface ITimings {
  ttft: number | null;
  duration: number;
}

export interface IPick {
  name: string;
  score: number;
  reasons: string[];
  fallback: boolean;
}

/** The first event of every stream. */
export interface IStartEvent {
  stream_id: string;
  project: string | null;
  project_id: number | null;
  mode: 'single' | 'fanout' | 'chain';
  agents: string[];
  models: string[];
  pick: IPick | null;
  /** Said to the user before the answer, e.g. that a pasted API key was redacted. */
  notices?: string[];
}

export interface ITokenEvent {
  type: 'token';
  text: string;
  agent: string | null;
  stream_id: string;
}

export interface IToolUseEvent {
  type: 'tool_use';
  id: string;
  name: string;
  input: Record<string, unknown>;
  agent: string | null;
  stream_id: string;
}

export interface IToolResultEvent {
  type: 'tool_result';
  id: string;
  name: string;
  status: 'ok' | 'error' | 'denied';
  content: string;
  is_error: boolean;
  agent: string | null;
  stream_id: string;
}

/** The server asks before a tool call runs (answer with POST stream/{id}/consent). */
export interface IConsentEvent {
  request_id: string;
  id: string;
  name: string;
  input: Record<string, unknown>;
  description: string;
  agent: string | null;
  timeout: number;
  stream_id: string;
}

/** NotebookRead / NotebookEdit on the open notebook (answer with POST stream/{id}/notebook). */
export interface INotebookRequestEvent {
  request_id: string;
  op: string;
  input: Record<string, unknown>;
  path: string;
  stream_id: string;
}

interface IFinalEvent {
  usage: IUsage;
  timings: ITimings;
  provider: string | null;
  model: string | null;
  agent: string | null;
  cost_usd: number | null;
  stream_id: string;
}

export interface ICompleteEvent extends IFinalEvent {
  type: 'complete';
  text: string;
  status: 'complete';
  stop_reason: string | null;
}

export interface IErrorEvent extends IFinalEvent {
  type: 'error';
  kind: string;
  message: string;
  hint: string;
  partial_text: string;
  status: 'error' | 'cancelled';
}

export type FinalEvent = ICompleteEvent | IErrorEvent;

/** The status an answer element shows in `data-vibe-status`. */
export type AnswerStatus = 'streaming' | 'waiting' | 'complete' | 'error' | 'cancelled';

export interface IAgent {
  name: string;
  description: string;
  category: string;
  tags: string[];
  performance_tier: string | null;
  model: string | null;
  source: string;
}

export interface IProjectSummary {
  id: number;
  name: string;
  type: string;
  messages: number;
  files: number;
  updated: string;
  last_activity: string;
  owner?: string; // '' before identities
  visibility?: 'private' | 'shared';
  updated_by?: string | null;
}

export interface IRun {
  provider: string | null;
  model: string | null;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number | null;
  ttft_s: number | null;
  duration_s: number | null;
}

/** A tool call of a stored answer, as the server restores it (what its live events said). */
export interface IStoredStep {
  id: string;
  name: string;
  input: Record<string, unknown>;
  status: 'ok' | 'error' | 'denied';
  content: string;
  duration: number | null;
}

export interface IMessage {
  id: number;
  role: 'user' | 'assistant' | 'system' | 'tool';
  content: string;
  agent: string | null;
  status: AnswerStatus;
  created: string;
  run: IRun | null;
  steps?: IStoredStep[];
}

export interface IProjectFile {
  path: string;
  language: string | null;
  size: number;
  updated: string | null;
  content?: string;
}

export interface IProject {
  id: number;
  name: string;
  type: string;
  conversation: number;
  messages: IMessage[];
  files: IProjectFile[];
}

export interface IProviderStatus {
  name: string;
  wire: string;
  base_url: string;
  key_required: boolean;
  has_key: boolean;
  source: string | null;
  env_var: string;
}

export interface IAuthStatus {
  providers: IProviderStatus[];
  any_key: boolean;
  default_model: string;
  hint: string;
}

/** The body of `POST stream`. */
export interface IAskBody {
  prompt: string;
  project?: string | number | null;
  agent?: string | null;
  agents?: string[];
  auto?: boolean;
  chain?: boolean;
  model?: string | null;
  system?: string | null;
  allow?: string[]; // tools allowed "for this chat"
  notebook?: { path: string; kernel_id: string | null } | null; // the notebook beside the sidebar
}

export interface IVersion {
  version: number;
  created: string;
  message: string;
  message_id: number | null;
  files: number;
  added: string[];
  changed: string[];
  removed: string[];
}

export interface IVersions {
  project: number;
  versions: IVersion[];
  app_url: string;
}

