// One interface for every provider adapter. Activities call these; they never call SDKs directly.

/** Knobs a node's config may set for the sandbox provider (`config.sandbox`). */
export interface SandboxKnobs {
  /** Extra latency before answering, in ms. */
  delayMs?: number;
  /** Delay between streamed tokens, in ms. */
  tokenDelayMs?: number;
  /** Probability in [0, 1] that a call fails with a retryable error. */
  failureRate?: number;
  /** Fail the first N attempts with a retryable error (deterministic retries for tests). */
  failFirstAttempts?: number;
  /** Fail every attempt with a non-retryable error. */
  reject?: boolean;
}

/** What every provider call receives. */
export interface ProviderCallBase {
  model: string;
  /** Node config, for provider-specific knobs such as `sandbox`. */
  config: Record<string, unknown>;
  /** 1-based attempt number of the step. */
  attempt: number;
  /** Aborted when the step is cancelled or times out. */
  signal: AbortSignal;
}

/** A text generation request; tokens are reported through `onToken` as they stream. */
export interface TextRequest extends ProviderCallBase {
  prompt: string;
  system?: string;
  maxTokens?: number;
  temperature?: number;
  onToken: (token: string) => void;
}

/** The full generated text. */
export interface TextResult {
  text: string;
  tokens: number;
}

/** An image generation request. */
export interface ImageRequest extends ProviderCallBase {
  prompt: string;
  width?: number;
  height?: number;
}

/** A generated image, inline as a data URL. */
export interface GeneratedImage {
  mimeType: string;
  dataUrl: string;
  width: number;
  height: number;
  sha256: string;
  /** True when produced by the sandbox (test mode). */
  sandbox: boolean;
}

/** An outbound HTTP call of an HTTP Request node. */
export interface HttpCall {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  signal: AbortSignal;
}

/** The response of an HTTP Request node. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Generates text, streaming tokens. */
export interface TextProvider {
  readonly id: string;
  generateText(request: TextRequest): Promise<TextResult>;
}

/** Generates images. */
export interface ImageProvider {
  readonly id: string;
  generateImage(request: ImageRequest): Promise<GeneratedImage>;
}

/** Performs HTTP requests. */
export interface HttpProvider {
  readonly id: string;
  request(call: HttpCall): Promise<HttpResponse>;
}

/** The providers an activity set is built with, looked up by provider id from the model catalog. */
export interface ProviderRegistry {
  text(providerId: string): TextProvider;
  image(providerId: string): ImageProvider;
  media(providerId: string): MediaProvider;
  http: HttpProvider;
}

/** Submitting a job to an async media provider. Repeats with the same key return the same job. */
export interface MediaJobRequest extends ProviderCallBase {
  prompt: string;
  idempotencyKey: string;
  /** Where the provider should POST the result; absent means polling only. */
  callbackUrl?: string;
}

/** A generated video (the sandbox renders a real PNG storyboard of its frames). */
export interface GeneratedVideo {
  mimeType: string;
  dataUrl: string;
  frames: number;
  durationMs: number;
  sha256: string;
  sandbox: boolean;
}

/** Where a media job stands. */
export type MediaJobState =
  | { status: 'running' }
  | { status: 'succeeded'; result: GeneratedVideo }
  | { status: 'failed'; error: { type: string; message: string } };

/** An async media provider: submit, then poll or receive a callback. */
export interface MediaProvider {
  readonly id: string;
  submit(request: MediaJobRequest): Promise<{ jobId: string }>;
  poll(jobId: string, signal: AbortSignal): Promise<MediaJobState>;
}
