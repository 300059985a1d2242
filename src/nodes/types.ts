// The shape of a node type module: everything the engine knows about one type of node, in one place.
// Pure (zod and types only): the planner, pricing, the workflow (inline steps) and activities all read it.
// Node modules import only each other and src/contract: the domain sits above them.
import { z } from 'zod';
import type { Tier } from '../contract/statuses';

// What a node type declares about its steps and models. The domain (planner, pricing, the plan's
// types) builds on these and re-exports them; nothing here imports the domain.

/** Exponential-backoff retry policy of a step, in milliseconds. */
export interface RetryPolicySpec {
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
  maximumAttempts: number;
  nonRetryableErrorTypes: string[];
}

/** What a media model produces. */
export type MediaKind = 'image' | 'video' | 'audio';

/** The activities a step of kind `activity` can run; each takes a ProviderStepInput. */
export type StepActivityName = 'generateText' | 'generateMedia' | 'httpRequest';

/** An async provider job: who runs it and how the workflow waits for it. */
export interface JobSpec {
  provider: string;
  /** Callback-only providers cannot be polled (and cannot serve `?async=true` runs). */
  pollable: boolean;
  /** Wait this long for a callback before polling, then poll at this interval. */
  pollAfterMs?: number;
  pollIntervalMs?: number;
}

/**
 * How a step executes: computed `inline` in the workflow (pure), one `activity` call, or a `job`
 * submitted to an async provider whose result arrives by callback signal (polling as fallback).
 */
export type StepExecution = { kind: 'inline' } | { kind: 'activity'; activity: StepActivityName } | { kind: 'job'; job: JobSpec };

/** The value every output port of a completed step produced. */
export type StepOutput = Record<string, unknown>;

/** What a model produces. */
export type ModelKind = 'text' | MediaKind;

/** What a model fits: its kind, or `media` for a vendor model the catalog does not know (any media node). */
export type ModelFit = ModelKind | 'media';

/** One model a node can be configured with. */
export interface ModelSpec {
  id: string;
  kind: ModelFit;
  /** Provider adapter id (`sandbox`, `openai`, `openai-images`, `replicate`, `fal`). */
  provider: string;
  /** Base credits per call, before tier pricing and markup. */
  credits: number;
  /** Lowest tier allowed to use the model. */
  minTier: Tier;
  /** Async models run as jobs: submitted, then called back or polled; pollable ones allow `?async=true`. */
  async: boolean;
  pollable: boolean;
  /** Shown wherever the model shows: the sandbox is a test mode, not a real model. */
  label: string;
  /** A vendor model outside the catalog: priced and tiered by its provider's defaults (config). */
  defaultPriced?: true;
  /**
   * Priced by real usage: a run holds `credits` (the most one call can cost) and each step captures
   * what it used (src/db/ledger.ts). Absent: a flat price per call.
   */
  usage?: UsagePricing;
}

/** How a usage-priced model is billed; its `credits` must equal `usageCeiling` of it (src/domain/models.ts). */
export type UsagePricing =
  /** Text: base credits per 1,000 input and output tokens, up to the most one call may use. */
  | { unit: 'tokens'; inputPer1k: number; outputPer1k: number; maxInputTokens: number; maxOutputTokens: number }
  /** Media jobs: base credits per second of vendor run time (Replicate `metrics.predict_time`), up to `maxSeconds`. */
  | { unit: 'seconds'; perSecond: number; maxSeconds: number };

/**
 * What a node does for the run besides its own step, for code outside src/nodes to ask instead of
 * comparing type ids: `run-inputs` declares the run's input fields (Request Input), `run-output`
 * gives the run its output (Response Output), `webhook` starts runs from an inbound HTTP event.
 */
export type NodeRole = 'run-inputs' | 'run-output' | 'webhook';

/** One input port of a node type. */
export interface PortSpec {
  name: string;
  required: boolean;
  /** A required input that a config key can stand in for (e.g. `prompt`). */
  satisfiedByConfig?: string;
}

/** What a step's inline computation receives. */
export interface InlineContext {
  stepId: string;
  config: Record<string, unknown>;
  inputs: Record<string, unknown>;
  runInputs: Record<string, unknown>;
}

/** A node type: ports, config schema, defaults, pricing and how it executes. */
export interface NodeModule<Config extends Record<string, unknown> = Record<string, unknown>> {
  type: string;
  label: string;
  /** Non-executable nodes (notes) never take part in a run. */
  executable: boolean;
  /** Source nodes start a run; they have no inputs. */
  source: boolean;
  /** What the node does for the run besides its step (see NodeRole). */
  role?: NodeRole;
  inputs: PortSpec[];
  /** Any input port name is accepted (template variables). */
  variadicInputs: boolean;
  /** Output ports, from the (unparsed) config for types whose ports depend on it. */
  outputs: (config: Record<string, unknown>) => string[];
  /** Output ports that carry (or may carry) media references (StoredMediaRef). */
  mediaOutputs?: readonly string[];
  /** Generation nodes: the media they make and the port carrying its reference. */
  produces?: { kind: MediaKind; port: string };
  /** The config, parsed when the run is planned; a failure is 422 INVALID_WORKFLOW naming the field. */
  config: z.ZodType<Config>;
  /** Config keys holding secrets: never copied into the plan (resolved by the route or activity). */
  secrets?: readonly string[];
  /** Models of this kind may be configured (`config.model`); `defaultModel` when none is. */
  modelKind?: ModelKind;
  defaultModel?: string;
  retry: RetryDefaults;
  timeoutMs: number;
  /** How a step of this node executes, given its parsed config and model. */
  execution: (config: Config, model: ModelSpec | undefined) => StepExecution;
  /** Base credits of one step (before tier pricing and markup); default: the model's price, else free. */
  price?: (config: Config, model: ModelSpec | undefined) => number;
  /** The computation of an inline step (deterministic: runs inside the workflow). */
  run?: (context: InlineContext) => StepOutput;
}

/**
 * A node type's retry defaults. Which failure types are never retried is not the node's to say: the
 * planner adds them from the retryability table (src/domain/retryability.ts).
 */
export type RetryDefaults = Omit<RetryPolicySpec, 'nonRetryableErrorTypes'>;

/** Retry policy of provider steps. */
export const PROVIDER_RETRY: RetryDefaults = {
  initialIntervalMs: 1_000,
  backoffCoefficient: 2,
  maximumIntervalMs: 30_000,
  maximumAttempts: 3,
};

/** Retry policy of inline steps: they are pure, retrying cannot help. */
export const NO_RETRY: RetryDefaults = { ...PROVIDER_RETRY, maximumAttempts: 1 };

/** Largest media the sandbox makes on request (`config.sandbox.sizeBytes`). */
export const SANDBOX_MAX_SIZE_BYTES = 200 * 1024 * 1024;

/** The sandbox provider's knobs (`config.sandbox`), checked at planning time. */
export const sandboxKnobsSchema = z
  .object({
    delayMs: z.number().min(0).optional(),
    tokenDelayMs: z.number().min(0).optional(),
    failureRate: z.number().min(0).max(1).optional(),
    failFirstAttempts: z.number().int().min(0).optional(),
    reject: z.boolean().optional(),
    /** Async jobs: false never calls back, so only polling finishes the job. */
    callback: z.boolean().optional(),
    jobFails: z.boolean().optional(),
    callbackDelayMs: z.number().min(0).optional(),
    failFirstSubmits: z.number().int().min(0).optional(),
    /** Media of exactly this many bytes (a real file, padded). */
    sizeBytes: z.number().int().positive().max(SANDBOX_MAX_SIZE_BYTES, `at most ${SANDBOX_MAX_SIZE_BYTES} bytes (200 MB)`).optional(),
  })
  .loose();

/** Config every executable node may set: timeout and retry overrides, sandbox knobs. */
export const executableConfig = z
  .object({
    timeoutMs: z.number().positive().optional(),
    retry: z
      .object({
        initialIntervalMs: z.number().positive().optional(),
        backoffCoefficient: z.number().positive().optional(),
        maximumIntervalMs: z.number().positive().optional(),
        maximumAttempts: z.number().int().positive().optional(),
      })
      .optional(),
    sandbox: sandboxKnobsSchema.optional(),
    /** Output cache: a step with the same node type, model, config and inputs within `ttlSeconds` reuses the stored output (issue 22; read by the step activities only). */
    cache: z.strictObject({ ttlSeconds: z.number().int().positive().max(31_536_000) }).optional(),
  })
  .loose();

/** Fixed output ports. */
export function ports(...names: string[]): () => string[] {
  return () => names;
}
