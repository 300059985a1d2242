// A typed client of the public HTTP API: the one way the CLI and the MCP tools reach the engine,
// so both see exactly what an API caller sees (auth, capabilities, rate limits, error codes).
import { isTerminalExecutionStatus } from '../contract/statuses';
import { parseEventStream, type LiveEvent } from './eventStream';
import { errorOf, HttpTransport, type TransportOptions } from './transport';

export { ApiConnectionError, ApiError } from './transport';
export type { LiveEvent } from './eventStream';

/** How runs started through this client are triggered. */
export type RunChannel = 'api' | 'mcp';

/** Options of the client. */
export interface ApiClientOptions extends Omit<TransportOptions, 'headers'> {
  apiKey: string;
  /** The studio agent's server-side token: MCP runs with it are `mcp`, without it `user-mcp`. */
  agentToken?: string;
}

/** A step of an execution as the API shows it. */
export interface StepView {
  id: string;
  /** The node's name on the canvas. */
  name?: string;
  nodeType: string;
  status: string;
  attempts?: number;
  output?: unknown;
  error?: unknown;
  /** Replays: the step's output was reused from the replayed run, not computed again. */
  reused?: boolean;
  startedAt?: string | null;
  finishedAt?: string | null;
  [key: string]: unknown;
}

/** An execution as the API shows it. */
export interface ExecutionView {
  id: string;
  status: string;
  triggerType: string;
  workflowSlug?: string;
  output?: unknown;
  error?: unknown;
  /** Net of any refund. */
  creditsUsed?: number;
  /** Credits given back when the run ended `error` or `cancelled`. */
  creditsRefunded?: number;
  durationMs?: number | null;
  steps: StepView[];
  [key: string]: unknown;
}

/** What a run would cost and whether it would be admitted (`POST /api/workflows/:slug/estimate`). */
export interface RunEstimate {
  success: true;
  slug: string;
  tier: string;
  admissible: boolean;
  creditsTotal: number;
  creditsFromBalance: number;
  creditBalance: number;
  steps: Array<{ stepId: string; name: string; nodeType: string; model?: string; credits: number; paidBy: 'balance' | 'grant' | 'free' }>;
  refusals: Array<{ status: number; code: string; message: string; [key: string]: unknown }>;
}

/** True once a run can no longer change (the statuses come from the domain's one list). */
export function isSettled(status: string): boolean {
  return isTerminalExecutionStatus(status);
}

/** The public API over HTTP. */
export class BuilderApiClient {
  private readonly http: HttpTransport;
  constructor(options: ApiClientOptions) {
    this.http = new HttpTransport({
      baseUrl: options.baseUrl,
      headers: { 'x-api-key': options.apiKey, ...(options.agentToken ? { 'x-builder-agent-token': options.agentToken } : {}) },
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  /** The API's base URL. */
  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /** Workflows this key may run, with their input fields. */
  async listWorkflows(): Promise<Array<Record<string, unknown>>> {
    return (await this.http.json<{ workflows: Array<Record<string, unknown>> }>('GET', '/api/mcp/workflows')).workflows;
  }

  /** A workflow's input fields and JSON Schema. */
  async getSchema(slug: string): Promise<Record<string, unknown>> {
    return this.http.json('GET', `/api/workflows/${encodeURIComponent(slug)}/schema`);
  }

  /** Starts a run; sync answers carry the output, async ones the execution id. */
  async run(
    slug: string,
    inputs: Record<string, unknown>,
    options: { async?: boolean; channel?: RunChannel; idempotencyKey?: string } = {},
  ): Promise<Record<string, unknown>> {
    const base = options.channel === 'mcp' ? '/api/mcp/workflows' : '/api/workflows';
    const headers: Record<string, string> = options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {};
    return this.http.json('POST', `${base}/${encodeURIComponent(slug)}/run${options.async ? '?async=true' : ''}`, { inputs }, headers);
  }

  /** What a run with these inputs would cost, and the refusals it would get; runs and charges nothing. */
  async estimate(slug: string, inputs: Record<string, unknown>): Promise<RunEstimate> {
    return this.http.json('POST', `/api/workflows/${encodeURIComponent(slug)}/estimate`, { inputs });
  }

  /** A run and its steps. */
  async getExecution(id: string): Promise<ExecutionView> {
    return (await this.http.json<{ execution: ExecutionView }>('GET', `/api/executions/${encodeURIComponent(id)}`)).execution;
  }

  /** Cancels a run. */
  async cancel(id: string): Promise<Record<string, unknown>> {
    return this.http.json('POST', `/api/executions/${encodeURIComponent(id)}/cancel`, {});
  }

  /** Replays a run in full or from a step; answers the new execution id. */
  async replay(id: string, fromStepId?: string): Promise<{ executionId: string; parentExecutionId?: string; fromStepId?: string }> {
    return this.http.json('POST', `/api/executions/${encodeURIComponent(id)}/replay`, fromStepId ? { fromStepId } : {});
  }

  /** Recent runs, newest first. */
  async listExecutions(filters: { workflow?: string; status?: string; trigger?: string; limit?: number } = {}): Promise<ExecutionView[]> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(filters)) if (value !== undefined && value !== '') query.set(key, String(value));
    const suffix = query.size > 0 ? `?${query}` : '';
    return (await this.http.json<{ executions: ExecutionView[] }>('GET', `/api/executions${suffix}`)).executions;
  }

  /** Polls a run until it settles, calling `onChange` whenever its status or a step's status changes. */
  async waitForExecution(id: string, onChange: (execution: ExecutionView) => void | Promise<void> = () => undefined, signal?: AbortSignal, intervalMs = 150): Promise<ExecutionView> {
    let last = '';
    for (;;) {
      signal?.throwIfAborted();
      const execution = await this.getExecution(id);
      const fingerprint = `${execution.status}|${execution.steps.map((step) => `${step.id}:${step.status}`).join(',')}`;
      if (fingerprint !== last) {
        last = fingerprint;
        await onChange(execution);
      }
      if (isSettled(execution.status)) return execution;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }

  /**
   * The live event stream of a run (Server-Sent Events), ending after `run.end`. Null when this
   * server has no live stream (404/503): callers then poll with waitForExecution.
   */
  async events(id: string, signal?: AbortSignal): Promise<AsyncGenerator<LiveEvent> | null> {
    const response = await this.http.send(`/api/executions/${encodeURIComponent(id)}/events`, {
      headers: { accept: 'text/event-stream' },
      ...(signal ? { signal } : {}),
    });
    if (response.status === 404 || response.status === 503) {
      const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
      // 503: this API process has no live stream; 404 "No route": an older server. A missing run is an error.
      if (response.status === 503 || /^No route/.test(body.error?.message ?? '')) return null;
      throw errorOf(response.status, body);
    }
    if (!response.ok || !response.body) throw errorOf(response.status, await response.json().catch(() => ({})));
    return parseEventStream(response.body);
  }

  /** The bytes behind a signed media URL (absolute, or relative to the API), refusing more than `maxBytes`. */
  async downloadMedia(url: string, maxBytes: number): Promise<Buffer | undefined> {
    const response = /^https?:/.test(url) ? await this.http.fetchAbsolute(url) : await this.http.send(url);
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (!response.ok || !(declared <= maxBytes)) {
      await response.body?.cancel().catch(() => undefined);
      return undefined;
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    return bytes.byteLength <= maxBytes ? bytes : undefined;
  }
}
