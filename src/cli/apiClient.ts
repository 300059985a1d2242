// A typed client of the public HTTP API: the one way the CLI and the MCP tools reach the engine,
// so both see exactly what an API caller sees (auth, capabilities, rate limits, error codes).

/** Thrown when the API answers with an error; carries the documented code and details. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** How runs started through this client are triggered. */
export type RunChannel = 'api' | 'mcp';

/** Options of the client. */
export interface ApiClientOptions {
  baseUrl: string;
  apiKey: string;
  /** The studio agent's server-side token: MCP runs with it are `mcp`, without it `user-mcp`. */
  agentToken?: string;
  fetch?: typeof fetch;
}

/** A step of an execution as the API shows it. */
export interface StepView {
  id: string;
  nodeType: string;
  status: string;
  attempts?: number;
  output?: unknown;
  error?: unknown;
  [key: string]: unknown;
}

/** An execution as the API shows it. */
export interface ExecutionView {
  id: string;
  status: string;
  triggerType: string;
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

/** One live event of `GET /api/executions/:id/events`. */
export interface LiveEvent {
  id?: string;
  type: string;
  data: Record<string, unknown>;
}

/** Statuses after which a run never changes. */
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['completed', 'error', 'cancelled']);

/** The public API over HTTP. */
export class BuilderApiClient {
  private readonly fetch: typeof fetch;
  constructor(private readonly options: ApiClientOptions) {
    this.fetch = options.fetch ?? fetch;
  }

  /** Workflows this key may run, with their input fields. */
  async listWorkflows(): Promise<Array<Record<string, unknown>>> {
    return (await this.call('GET', '/api/mcp/workflows')).workflows;
  }

  /** A workflow's input fields and JSON Schema. */
  async getSchema(slug: string): Promise<Record<string, unknown>> {
    return this.call('GET', `/api/workflows/${encodeURIComponent(slug)}/schema`);
  }

  /** Starts a run; sync answers carry the output, async ones the execution id. */
  async run(
    slug: string,
    inputs: Record<string, unknown>,
    options: { async?: boolean; channel?: RunChannel; idempotencyKey?: string } = {},
  ): Promise<Record<string, unknown>> {
    const base = options.channel === 'mcp' ? '/api/mcp/workflows' : '/api/workflows';
    const headers: Record<string, string> = options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {};
    return this.call('POST', `${base}/${encodeURIComponent(slug)}/run${options.async ? '?async=true' : ''}`, { inputs }, headers);
  }

  /** A run and its steps. */
  async getExecution(id: string): Promise<ExecutionView> {
    return (await this.call('GET', `/api/executions/${encodeURIComponent(id)}`)).execution;
  }

  /** Cancels a run. */
  async cancel(id: string): Promise<Record<string, unknown>> {
    return this.call('POST', `/api/executions/${encodeURIComponent(id)}/cancel`, {});
  }

  /** Replays a run in full or from a step; answers the new execution id. */
  async replay(id: string, fromStepId?: string): Promise<{ executionId: string; parentExecutionId?: string; fromStepId?: string }> {
    return this.call('POST', `/api/executions/${encodeURIComponent(id)}/replay`, fromStepId ? { fromStepId } : {});
  }

  /** Recent runs, newest first. */
  async listExecutions(filters: { workflow?: string; status?: string; trigger?: string; limit?: number } = {}): Promise<ExecutionView[]> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(filters)) if (value !== undefined && value !== '') query.set(key, String(value));
    const suffix = query.size > 0 ? `?${query}` : '';
    return (await this.call('GET', `/api/executions${suffix}`)).executions;
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
      if (TERMINAL_STATUSES.has(execution.status)) return execution;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }

  /**
   * The live event stream of a run (Server-Sent Events), ending after `run.end`. Null when this
   * server has no live stream (404/503): callers then poll with waitForExecution.
   */
  async events(id: string, signal?: AbortSignal): Promise<AsyncGenerator<LiveEvent> | null> {
    const response = await this.fetch(this.url(`/api/executions/${encodeURIComponent(id)}/events`), {
      headers: { ...this.headers(), accept: 'text/event-stream' },
      ...(signal ? { signal } : {}),
    });
    if (response.status === 404 || response.status === 503) {
      const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
      // 503: this API process has no live stream; 404 "No route": an older server. A missing run is an error.
      if (response.status === 503 || /^No route/.test(body.error?.message ?? '')) return null;
      await this.raise(response.status, body);
    }
    if (!response.ok || !response.body) await this.raise(response.status, await response.json().catch(() => ({})));
    return parseEventStream(response.body!);
  }

  /** The bytes behind a signed media URL (absolute, or relative to the API), refusing more than `maxBytes`. */
  async downloadMedia(url: string, maxBytes: number): Promise<Buffer | undefined> {
    const response = await this.fetch(/^https?:/.test(url) ? url : this.url(url));
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (!response.ok || !(declared <= maxBytes)) {
      await response.body?.cancel().catch(() => undefined);
      return undefined;
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    return bytes.byteLength <= maxBytes ? bytes : undefined;
  }

  private url(path: string): string {
    return this.options.baseUrl.replace(/\/+$/, '') + path;
  }

  private headers(): Record<string, string> {
    return { 'x-api-key': this.options.apiKey, ...(this.options.agentToken ? { 'x-builder-agent-token': this.options.agentToken } : {}) };
  }

  private async call(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<any> {
    const response = await this.fetch(this.url(path), {
      method,
      headers: { ...this.headers(), ...extraHeaders, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    let parsed: any = {};
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = { error: { code: 'INVALID_RESPONSE', message: text.slice(0, 200) } };
    }
    if (!response.ok) await this.raise(response.status, parsed);
    return parsed;
  }

  private async raise(status: number, body: any): Promise<never> {
    const { code = `HTTP_${status}`, message = `The API answered ${status}.`, ...details } = (body?.error ?? {}) as Record<string, any>;
    throw new ApiError(status, String(code), String(message), details);
  }
}

/** Parses a `text/event-stream` body into events. */
async function* parseEventStream(body: ReadableStream<Uint8Array>): AsyncGenerator<LiveEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event: { id?: string; type?: string; data: string[] } = { data: [] };
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
      if (line === '') {
        if (event.data.length > 0 || event.type) {
          const raw = event.data.join('\n');
          let data: Record<string, unknown> = {};
          try {
            data = raw ? JSON.parse(raw) : {};
          } catch {
            data = { raw };
          }
          const type = event.type ?? 'message';
          yield { ...(event.id ? { id: event.id } : {}), type, data };
          if (type === 'run.end') return;
        }
        event = { data: [] };
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event.type = value;
      else if (field === 'data') event.data.push(value);
      else if (field === 'id') event.id = value;
    }
  }
}
