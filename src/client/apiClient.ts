// The client of the public HTTP API: the one way the CLI and the MCP tools reach the engine, so
// both see exactly what an API caller sees (auth, capabilities, rate limits, error codes). Every
// request goes through openapi-fetch typed by the generated document (./schema.d.ts); only the
// live event stream and signed media URLs, which the document cannot type, are read raw.
import { isTerminalExecutionStatus, type ExecutionStatus } from '../domain/statuses';
import { answer, errorOf, HttpTransport, type TransportOptions } from './transport';
import type {
  CancelAnswer,
  ExecutionAnswer,
  ExecutionFilters,
  ExecutionListAnswer,
  ExecutionSummary,
  ExecutionView,
  McpRunAnswer,
  ReplayStarted,
  RunEstimate,
  RunResult,
  RunStarted,
  WorkflowListAnswer,
  WorkflowSchema,
  WorkflowSummary,
} from './types';

export { ApiConnectionError, ApiError } from './transport';
export type * from './types';

/** How runs started through this client are triggered. */
export type RunChannel = 'api' | 'mcp';

/** One live event of `GET /api/executions/{id}/events`. */
export interface LiveEvent {
  id?: string;
  type: string;
  data: Record<string, unknown>;
}

/** Options of the client. */
export interface ApiClientOptions extends Omit<TransportOptions, 'headers'> {
  apiKey: string;
  /** The studio agent's server-side token: MCP runs with it are `mcp`, without it `user-mcp`. */
  agentToken?: string;
}

/** Options of a run. */
export interface RunOptions {
  /** `mcp`: through `/api/mcp/workflows/{slug}/run` (trigger `mcp` or `user-mcp`). */
  channel?: RunChannel;
  /** A stable key: a repeat with the same key and inputs gets the first run instead of another. */
  idempotencyKey?: string;
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
  async listWorkflows(): Promise<WorkflowListAnswer> {
    return answer(await this.http.api.GET('/api/workflows')) as WorkflowListAnswer;
  }

  /** A workflow's input fields and JSON Schema. */
  async getSchema(slug: string): Promise<WorkflowSchema> {
    return answer(await this.http.api.GET('/api/workflows/{slug}/schema', { params: { path: { slug } } }));
  }

  /** Runs a workflow and waits for its output (200); a failed run is an ApiError `EXECUTION_FAILED`. */
  async run(slug: string, inputs: Record<string, unknown>, options: RunOptions & { channel?: 'api' } = {}): Promise<RunResult> {
    return answer(await this.http.api.POST('/api/workflows/{slug}/run', { params: { path: { slug }, ...idempotency(options) }, body: { inputs } })) as RunResult;
  }

  /** Starts a run without waiting (202: its execution id). */
  async start(slug: string, inputs: Record<string, unknown>, options: RunOptions & { channel?: 'api' } = {}): Promise<RunStarted> {
    return answer(
      await this.http.api.POST('/api/workflows/{slug}/run', { params: { path: { slug }, query: { async: 'true' }, ...idempotency(options) }, body: { inputs } }),
    ) as RunStarted;
  }

  /** Runs a workflow as an MCP agent (trigger `mcp` with the agent token, else `user-mcp`), waiting for it or (`async`) not. */
  async runAsAgent(slug: string, inputs: Record<string, unknown>, options: RunOptions & { async?: boolean } = {}): Promise<McpRunAnswer> {
    return answer(
      await this.http.api.POST('/api/mcp/workflows/{slug}/run', {
        params: { path: { slug }, ...(options.async ? { query: { async: 'true' } } : {}), ...idempotency(options) },
        body: { inputs },
      }),
    ) as McpRunAnswer;
  }

  /** What a run with these inputs would cost, and the refusals it would get; runs and charges nothing. */
  async estimate(slug: string, inputs: Record<string, unknown>): Promise<RunEstimate> {
    return answer(await this.http.api.POST('/api/workflows/{slug}/estimate', { params: { path: { slug } }, body: { inputs } }));
  }

  /** A run and its steps. */
  async getExecution(id: string): Promise<ExecutionView> {
    const { execution } = answer(await this.http.api.GET('/api/executions/{id}', { params: { path: { id } } })) as ExecutionAnswer;
    return execution;
  }

  /** Cancels a run. */
  async cancel(id: string): Promise<CancelAnswer> {
    return answer(await this.http.api.POST('/api/executions/{id}/cancel', { params: { path: { id } } })) as CancelAnswer;
  }

  /** Replays a run in full or from a step; answers the new execution id. */
  async replay(id: string, fromStepId?: string): Promise<ReplayStarted> {
    return answer(await this.http.api.POST('/api/executions/{id}/replay', { params: { path: { id } }, body: fromStepId ? { fromStepId } : {} })) as ReplayStarted;
  }

  /** Recent runs, newest first. */
  async listExecutions(filters: ExecutionFilters = {}): Promise<ExecutionListAnswer> {
    return answer(await this.http.api.GET('/api/executions', { params: { query: filters } })) as ExecutionListAnswer;
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
   * The live event stream of a run (Server-Sent Events, parsed by eventsource-parser), ending after
   * `run.end`. Null when this server has no live stream (503, or an older server's 404 "No route"):
   * callers then poll with waitForExecution. A missing run is an ApiError.
   */
  async events(id: string, signal?: AbortSignal): Promise<AsyncGenerator<LiveEvent> | null> {
    const { data, error, response } = await this.http.api.GET('/api/executions/{id}/events', {
      params: { path: { id } },
      headers: { accept: 'text/event-stream' },
      parseAs: 'stream',
      ...(signal ? { signal } : {}),
    });
    if (!response.ok || !data) {
      const message = (error as { error?: { message?: string } } | undefined)?.error?.message ?? '';
      if (response.status === 503 || (response.status === 404 && /^No route/.test(message))) return null;
      throw errorOf(response.status, error, response.url);
    }
    return liveEvents(data);
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

/** The `Idempotency-Key` header parameter, when a key is given. */
function idempotency(options: RunOptions): { header?: { 'idempotency-key': string } } {
  return options.idempotencyKey ? { header: { 'idempotency-key': options.idempotencyKey } } : {};
}

/** The events of a `text/event-stream` body, with JSON data, ending after `run.end`. */
async function* liveEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<LiveEvent> {
  // Loaded here: only watching needs it, and every command's start-up counts.
  const { EventSourceParserStream } = await import('eventsource-parser/stream');
  const events = body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
  for await (const event of events as unknown as AsyncIterable<{ id?: string; event?: string; data: string }>) {
    let data: Record<string, unknown>;
    try {
      data = event.data ? (JSON.parse(event.data) as Record<string, unknown>) : {};
    } catch {
      data = { raw: event.data };
    }
    const type = event.event ?? 'message';
    yield { ...(event.id ? { id: event.id } : {}), type, data };
    if (type === 'run.end') return;
  }
}
