// A real HTTP server speaking the OpenAI chat completions and image generation APIs, so the real `openai` client is
// exercised end to end (SSE framing, headers, status codes) without the internet.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fakePng } from './fakePng';

/** One request the fake received. */
export interface FakeOpenAIRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or undefined when it was not JSON. */
  body: FakeChatBody | undefined;
}

/** The fields of a chat completions request the fake looks at. */
export interface FakeChatBody {
  model?: string;
  messages?: Array<{ role: string; content: string }>;
  stream?: boolean;
  [key: string]: unknown;
}

/** How the fake answers. */
export interface FakeOpenAIOptions {
  /** The completion text for a request; defaults to an echo of the last user message. */
  reply?: (body: FakeChatBody) => string;
  /** Pause between streamed chunks, so tests can abort mid-stream. */
  tokenDelayMs?: number;
}

/** A running fake; `baseUrl` ends in `/v1`, as the openai client expects. */
export interface FakeOpenAI {
  baseUrl: string;
  requests: FakeOpenAIRequest[];
  /** Answers the next `times` chat or image requests with `status` (and these headers) instead of a completion. */
  failNext(status: number, times?: number, headers?: Record<string, string>): void;
  /** From now on, the stream's usage chunk reports `usage` (a vendor's wrong numbers: negative, NaN…); undefined: the true counts. */
  misreportUsage(usage: Record<string, unknown> | undefined): void;
  /** Image generation requests received so far. */
  imageRequests(): FakeOpenAIRequest[];
  /** Completion requests received so far (failed ones included). */
  chatRequests(): FakeOpenAIRequest[];
  close(): Promise<void>;
}

/** Sizes each image model accepts, as OpenAI documents them. */
const IMAGE_SIZES: Record<string, string[]> = {
  'gpt-image-1': ['1024x1024', '1536x1024', '1024x1536', 'auto'],
  'dall-e-3': ['1024x1024', '1792x1024', '1024x1792'],
};

/** POST /v1/images/generations: a real PNG as `b64_json` (gpt-image-1 always answers base64; dall-e-3 when asked). */
function images(res: ServerResponse, body: FakeChatBody | undefined, failure: { status: number; headers: Record<string, string> } | undefined): void {
  if (failure) return sendError(res, failure.status, failure.headers, `Scripted failure ${failure.status}`);
  const model = typeof body?.model === 'string' ? body.model : '';
  const sizes = IMAGE_SIZES[model];
  if (!sizes) return sendError(res, 400, {}, `Invalid model ${model || '(none)'}`);
  if (typeof body?.prompt !== 'string' || body.prompt === '') return sendError(res, 400, {}, 'prompt is required');
  if (body.size !== undefined && !sizes.includes(String(body.size))) return sendError(res, 400, {}, `Invalid size ${String(body.size)} for ${model}`);
  if (model === 'gpt-image-1' && body.response_format !== undefined) return sendError(res, 400, {}, "Unknown parameter: 'response_format'.");
  if (model === 'dall-e-3' && body.response_format !== 'b64_json') return sendError(res, 400, {}, 'this fake serves only b64_json');
  const b64 = fakePng(`${model}:${body.prompt}`).toString('base64');
  sendJson(res, 200, {}, { created: Math.floor(Date.now() / 1000), data: [{ b64_json: b64, ...(model === 'dall-e-3' ? { revised_prompt: body.prompt } : {}) }] });
}

/** The tokens the fake streams for `text`: words with their leading whitespace, so they join back to `text`. */
export function fakeTokens(text: string): string[] {
  return text.split(/(?=\s)/).filter((token) => token !== '');
}

/** The fake's default reply: an echo of the last user message. */
export function fakeEcho(body: FakeChatBody): string {
  const user = [...(body.messages ?? [])].reverse().find((message) => message.role === 'user');
  return `echo: ${user?.content ?? ''}`;
}

/** Starts the fake on 127.0.0.1 on a random port; call close() when done. */
export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const reply = options.reply ?? fakeEcho;
  const requests: FakeOpenAIRequest[] = [];
  const failures: Array<{ status: number; headers: Record<string, string> }> = [];
  let sequence = 0;
  let usageOverride: Record<string, unknown> | undefined;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = parseJson(raw);
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body });
      if (req.method === 'POST' && path === '/v1/images/generations') return images(res, body, failures.shift());
      if (req.method !== 'POST' || path !== '/v1/chat/completions') {
        return sendError(res, 404, {}, `Unknown route ${req.method} ${path}`);
      }
      const failure = failures.shift();
      if (failure) return sendError(res, failure.status, failure.headers, `Scripted failure ${failure.status}`);
      if (!body || typeof body.model !== 'string' || !Array.isArray(body.messages)) {
        return sendError(res, 400, {}, 'model and messages are required');
      }
      const id = `chatcmpl-fake-${++sequence}`;
      const text = reply(body);
      if (body.stream) void stream(res, id, body, fakeTokens(text), options.tokenDelayMs ?? 0, usageOverride);
      else sendJson(res, 200, {}, completion(id, body.model, text));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    failNext(status, times = 1, headers = {}) {
      for (let i = 0; i < times; i += 1) failures.push({ status, headers });
    },
    misreportUsage(usage) {
      usageOverride = usage;
    },
    chatRequests: () => requests.filter((request) => request.path === '/v1/chat/completions'),
    imageRequests: () => requests.filter((request) => request.path === '/v1/images/generations'),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive sockets from the client would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}

/** Completion tokens as the fake "model" counts them (about four characters each): not the number of streamed deltas. */
export function fakeUsageTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/**
 * Streams the completion as OpenAI does: content deltas, a last chunk with `finish_reason` (`length`
 * when `max_tokens` cut the text, else `stop`) and, with `stream_options.include_usage`, a usage
 * chunk with empty `choices`.
 */
async function stream(res: ServerResponse, id: string, body: FakeChatBody, all: string[], delayMs: number, usageOverride?: Record<string, unknown>): Promise<void> {
  const model = String(body.model);
  const limit = typeof body.max_tokens === 'number' ? body.max_tokens : undefined;
  const tokens = limit !== undefined && all.length > limit ? all.slice(0, limit) : all;
  let closed = false;
  res.on('close', () => (closed = true));
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: Record<string, unknown>, finish: string | null): string =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  res.write(chunk({ role: 'assistant', content: '' }, null));
  for (const token of tokens) {
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    // The client aborted: stop as a real server would, without writing to a dead socket.
    if (closed) return;
    res.write(chunk({ content: token }, null));
  }
  res.write(chunk({}, tokens.length < all.length ? 'length' : 'stop'));
  if ((body.stream_options as { include_usage?: boolean } | undefined)?.include_usage) {
    const completionTokens = fakeUsageTokens(tokens.join(''));
    res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: usageOverride ?? { prompt_tokens: 5, completion_tokens: completionTokens, total_tokens: 5 + completionTokens } })}\n\n`);
  }
  res.end('data: [DONE]\n\n');
}

function completion(id: string, model: string, text: string): Record<string, unknown> {
  const tokens = fakeTokens(text).length;
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 0, completion_tokens: tokens, total_tokens: tokens },
  };
}

function sendError(res: ServerResponse, status: number, headers: Record<string, string>, message: string): void {
  sendJson(res, status, headers, { error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', code: null } });
}

function sendJson(res: ServerResponse, status: number, headers: Record<string, string>, payload: unknown): void {
  res.writeHead(status, { ...headers, 'content-type': 'application/json' });
  res.end(JSON.stringify(payload));
}

function parseJson(raw: string): FakeChatBody | undefined {
  try {
    const value: unknown = JSON.parse(raw);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as FakeChatBody) : undefined;
  } catch {
    return undefined;
  }
}
