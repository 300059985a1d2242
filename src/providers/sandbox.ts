// The sandbox provider: a test mode like a payment API's. Output is a pure function of the
// request, so a replayed step can be told apart from a re-run one only by the call counters.
import { createHash } from 'node:crypto';
import { PNG } from 'pngjs';
import { ProviderError, abortError } from './errors';
import type {
  GeneratedImage,
  ImageProvider,
  ImageRequest,
  ProviderCallBase,
  SandboxKnobs,
  TextProvider,
  TextRequest,
  TextResult,
} from './types';

/** Global defaults; a node's `config.sandbox` overrides them per call. */
export interface SandboxOptions {
  delayMs?: number;
  tokenDelayMs?: number;
  failureRate?: number;
  /** Source of randomness for `failureRate`; injectable so tests are deterministic. */
  random?: () => number;
}

/** What the sandbox can be asked to generate. */
export type SandboxKind = 'text' | 'image';

/** Side of a sandbox image when the request gives none, in pixels. */
export const SANDBOX_IMAGE_DEFAULT_SIZE = 64;
/** Largest side of a sandbox image; larger requests are clamped, to keep payloads small. */
export const SANDBOX_IMAGE_MAX_SIZE = 512;

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

/** Deterministic test-mode text and image provider that counts its calls. */
export class SandboxProvider implements TextProvider, ImageProvider {
  readonly id = 'sandbox';
  /** Calls made per kind, failed ones included. */
  readonly calls: Record<SandboxKind, number> = { text: 0, image: 0 };
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
    return (this.byPrompt.get(counterKey('text', prompt)) ?? 0) + (this.byPrompt.get(counterKey('image', prompt)) ?? 0);
  }

  /** Forgets every counted call. */
  resetCounters(): void {
    this.calls.text = 0;
    this.calls.image = 0;
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

  /** Renders a real PNG whose pattern is derived from the prompt. */
  async generateImage(request: ImageRequest): Promise<GeneratedImage> {
    const knobs = this.begin('image', request.prompt, request);
    const width = imageSide(request.width, 'width');
    const height = imageSide(request.height, 'height');
    await this.simulate(knobs, request);
    const png = renderPattern(request.prompt, width, height);
    return {
      mimeType: 'image/png',
      dataUrl: `data:image/png;base64,${png.toString('base64')}`,
      width,
      height,
      sha256: createHash('sha256').update(png).digest('hex'),
      sandbox: true,
    };
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

function imageSide(value: number | undefined, name: string): number {
  if (value === undefined) return SANDBOX_IMAGE_DEFAULT_SIZE;
  if (!Number.isFinite(value) || value < 1) throw invalid(`${name} must be a positive number`);
  return Math.min(SANDBOX_IMAGE_MAX_SIZE, Math.round(value));
}

/** `count` bytes from a sha256 chain over `seed`. */
function seededBytes(seed: string, count: number): Uint8Array {
  const out = new Uint8Array(count);
  let block = createHash('sha256').update(seed).digest();
  for (let i = 0; i < count; i += 1) {
    if (i > 0 && i % block.length === 0) block = createHash('sha256').update(block).digest();
    out[i] = block[i % block.length]!;
  }
  return out;
}

/** A diagonal gradient between two prompt colours, overlaid with a prompt-sized checkerboard. */
function renderPattern(prompt: string, width: number, height: number): Buffer {
  const seed = seededBytes(`image\u0000${prompt}`, 8);
  const from = [seed[0]!, seed[1]!, seed[2]!];
  const to = [seed[3]!, seed[4]!, seed[5]!];
  const cell = 4 + (seed[6]! % 13);
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const t = (x + y) / Math.max(1, width + height - 2);
      const shade = (Math.floor(x / cell) + Math.floor(y / cell)) % 2 === 0 ? 1 : 0.75;
      const offset = (y * width + x) * 4;
      for (let channel = 0; channel < 3; channel += 1) {
        png.data[offset + channel] = Math.round((from[channel]! * (1 - t) + to[channel]! * t) * shade);
      }
      png.data[offset + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

/** Waits `ms`, rejecting as soon as `signal` aborts; checks the signal even when there is no wait. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
