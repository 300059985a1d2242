// The sandbox provider: a test mode like a payment API's. Output is a pure function of the
// request, so a replayed step can be told apart from a re-run one only by the call counters.
import { ProviderError, abortError } from './errors';
import { SANDBOX_RENDERERS, seededBytes, type RenderRequest } from './sandboxRender';
import type { MediaKind, MediaProvider, MediaRequest, MediaResult, ProviderCallBase, SandboxKnobs, TextProvider, TextRequest, TextResult } from './types';

/** Global defaults; a node's `config.sandbox` overrides them per call. */
export interface SandboxOptions {
  delayMs?: number;
  tokenDelayMs?: number;
  failureRate?: number;
  /** Source of randomness for `failureRate`; injectable so tests are deterministic. */
  random?: () => number;
}

/** What the sandbox can be asked to generate. */
export type SandboxKind = 'text' | MediaKind;

export { SANDBOX_DEFAULT_SIDE as SANDBOX_IMAGE_DEFAULT_SIZE } from './sandboxRender';

type ResolvedKnobs = Required<SandboxKnobs>;

const DEFAULT_WORDS = 32;
const MAX_WORDS = 512;
const ECHO_WORDS = 8;

// Fixed vocabulary: changing it changes every sandbox output, so append only.
const WORDS = [
  'amber', 'brisk', 'canvas', 'delta', 'ember', 'fable', 'glint', 'harbor', 'ivory', 'jolt',
  'kindle', 'lumen', 'meadow', 'nimbus', 'orbit', 'pixel', 'quartz', 'ripple', 'signal', 'tidal',
  'umber', 'vivid', 'willow', 'xenon', 'yonder', 'zephyr', 'anchor', 'bloom', 'cinder', 'drift',
  'echo', 'fern', 'granite', 'hollow', 'inlet', 'jasper', 'kelp', 'lattice', 'mosaic', 'nectar',
  'opal', 'prism', 'quill', 'resin', 'summit', 'thistle', 'upland', 'velvet', 'wander', 'yarrow',
  'zenith', 'aurora', 'basalt', 'cobalt', 'dune', 'estuary', 'flint', 'grove', 'horizon', 'iris',
  'juniper', 'kestrel', 'lagoon', 'marble',
] as const;

/** The sandbox's deterministic text for a request: labelled, echoing the prompt, then seeded words. */
export function sandboxText(request: { prompt: string; system?: string; maxTokens?: number }): string {
  const count = Math.min(MAX_WORDS, Math.max(1, Math.floor(request.maxTokens ?? DEFAULT_WORDS)));
  const bytes = seededBytes(`${request.system ?? ''}\u0000${request.prompt}`, count);
  const words = Array.from(bytes, (byte) => WORDS[byte % WORDS.length]!);
  const echo = request.prompt.trim().split(/\s+/).filter(Boolean).slice(0, ECHO_WORDS).join(' ');
  return `[sandbox] re: "${echo}" ${words.join(' ')}`;
}

/** Deterministic test-mode text and media provider that counts its calls. */
export class SandboxProvider implements TextProvider, MediaProvider {
  readonly id = 'sandbox';
  /** Calls made per kind, failed ones included. */
  readonly calls: Record<SandboxKind, number> = { text: 0, image: 0, video: 0, audio: 0 };
  private readonly byPrompt = new Map<string, number>();
  private readonly defaults: Required<Omit<SandboxOptions, 'random'>>;
  private readonly random: () => number;

  constructor(options: SandboxOptions = {}) {
    this.defaults = {
      delayMs: options.delayMs ?? 0,
      tokenDelayMs: options.tokenDelayMs ?? 0,
      failureRate: options.failureRate ?? 0,
    };
    this.random = options.random ?? Math.random;
  }

  /** Calls made for this prompt, of one kind or of both. */
  callsFor(prompt: string, kind?: SandboxKind): number {
    if (kind) return this.byPrompt.get(counterKey(kind, prompt)) ?? 0;
    return (Object.keys(this.calls) as SandboxKind[]).reduce((sum, each) => sum + (this.byPrompt.get(counterKey(each, prompt)) ?? 0), 0);
  }

  /** Forgets every counted call. */
  resetCounters(): void {
    for (const kind of Object.keys(this.calls) as SandboxKind[]) this.calls[kind] = 0;
    this.byPrompt.clear();
  }

  /** Streams the deterministic text word by word through `onToken`. */
  async generateText(request: TextRequest): Promise<TextResult> {
    const knobs = this.begin('text', request.prompt, request);
    await this.simulate(knobs, request);
    const text = sandboxText(request);
    // Each token carries its leading space so the tokens join back into exactly `text`.
    const tokens = text.split(/(?= )/);
    for (const token of tokens) {
      await sleep(knobs.tokenDelayMs, request.signal);
      request.onToken(token);
    }
    return { text, tokens: tokens.length };
  }

  /** Makes a real file of the request's kind (PNG, MP4, WAV) and streams it into the media store. */
  async generate(request: MediaRequest): Promise<MediaResult> {
    const knobs = this.begin(request.kind, request.prompt, request);
    const render = renderRequest(request.prompt, request.params);
    await this.simulate(knobs, request);
    return { type: 'stored', ref: await renderInto(request, render) };
  }

  private begin(kind: SandboxKind, prompt: string, request: ProviderCallBase): ResolvedKnobs {
    // Counted before anything can fail, so a failed attempt still proves the step ran.
    this.calls[kind] += 1;
    const key = counterKey(kind, prompt);
    this.byPrompt.set(key, (this.byPrompt.get(key) ?? 0) + 1);
    return { ...this.defaults, failFirstAttempts: 0, reject: false, ...readKnobs(request.config) };
  }

  private async simulate(knobs: ResolvedKnobs, request: ProviderCallBase): Promise<void> {
    await sleep(knobs.delayMs, request.signal);
    if (knobs.reject) {
      throw new ProviderError('ProviderRejected', 'sandbox: simulated rejection (reject: true)', { provider: this.id, status: 400 });
    }
    if (request.attempt <= knobs.failFirstAttempts) {
      throw new ProviderError('ProviderUnavailable', `sandbox: simulated failure on attempt ${request.attempt}`, { provider: this.id, status: 503 });
    }
    if (knobs.failureRate > 0 && this.random() < knobs.failureRate) {
      throw new ProviderError('ProviderUnavailable', `sandbox: simulated outage (failureRate ${knobs.failureRate})`, { provider: this.id, status: 503 });
    }
  }
}

function counterKey(kind: SandboxKind, prompt: string): string {
  return `${kind}\u0000${prompt}`;
}

/** Reads `config.sandbox`, refusing knobs of the wrong type so a typo is not silently ignored. */
function readKnobs(config: Record<string, unknown>): SandboxKnobs {
  const raw = config['sandbox'];
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalid('config.sandbox must be an object');
  const source = raw as Record<string, unknown>;
  const knobs: SandboxKnobs = {};
  for (const name of ['delayMs', 'tokenDelayMs', 'failFirstAttempts'] as const) {
    const value = source[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw invalid(`config.sandbox.${name} must be a non-negative number`);
    knobs[name] = value;
  }
  const rate = source['failureRate'];
  if (rate !== undefined) {
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) throw invalid('config.sandbox.failureRate must be a number in [0, 1]');
    knobs.failureRate = rate;
  }
  const reject = source['reject'];
  if (reject !== undefined) {
    if (typeof reject !== 'boolean') throw invalid('config.sandbox.reject must be a boolean');
    knobs.reject = reject;
  }
  return knobs;
}

function invalid(message: string): ProviderError {
  return new ProviderError('InvalidConfig', `sandbox: ${message}`, { provider: 'sandbox' });
}

/** What to render: the node's width, height and duration, and `config.sandbox.sizeBytes`. */
export function renderRequest(prompt: string, params: Record<string, unknown>): RenderRequest {
  const sandbox = (params.sandbox ?? {}) as Record<string, unknown>;
  const request: RenderRequest = { prompt };
  for (const [name, value] of [['width', params.width], ['height', params.height], ['durationMs', params.durationMs], ['sizeBytes', sandbox.sizeBytes]] as const) {
    if (value === undefined) continue;
    // The planner checked these; a stale plan must still not silently change a size.
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw invalid(`${name} must be a positive integer`);
    request[name] = value;
  }
  return request;
}

/** Renders the request's kind and streams it into the request's media sink. */
export function renderInto(request: { kind: MediaRequest['kind']; media: Pick<MediaRequest['media'], 'save'> }, render: RenderRequest) {
  const { meta, body } = SANDBOX_RENDERERS[request.kind](render);
  return request.media.save(body, meta);
}

/**
 * Waits at least `ms` by the wall clock, rejecting as soon as `signal` aborts; checks the signal even
 * when there is no wait. Node may fire a timer up to a millisecond early by Date.now() (its loop
 * clock is read once per turn), and a simulated vendor call must take the time it is said to take:
 * step records are checked against it (test/api/step-timestamps.test.ts).
 */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  if (ms <= 0) return Promise.resolve();
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const fire = (): void => {
      const left = until - Date.now();
      if (left > 0) {
        timer = setTimeout(fire, left);
        return;
      }
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    let timer = setTimeout(fire, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
