// The shape of a node type module: everything the engine knows about one type of node, in one place.
// Pure (zod and types only): the planner, pricing, the workflow (inline steps) and activities all read it.
import { z } from 'zod';
import type { ModelKind, ModelSpec } from '../domain/models';
import type { MediaKind, RetryPolicySpec, StepExecution, StepOutput } from '../domain/types';

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
  retry: RetryPolicySpec;
  timeoutMs: number;
  /** How a step of this node executes, given its parsed config and model. */
  execution: (config: Config, model: ModelSpec | undefined) => StepExecution;
  /** Base credits of one step (before tier pricing and markup); default: the model's price, else free. */
  price?: (config: Config, model: ModelSpec | undefined) => number;
  /** The computation of an inline step (deterministic: runs inside the workflow). */
  run?: (context: InlineContext) => StepOutput;
}

/** Retry policy of provider steps. */
export const PROVIDER_RETRY: RetryPolicySpec = {
  initialIntervalMs: 1_000,
  backoffCoefficient: 2,
  maximumIntervalMs: 30_000,
  maximumAttempts: 3,
  nonRetryableErrorTypes: ['ProviderRejected', 'InvalidConfig'],
};

/** Retry policy of inline steps: they are pure, retrying cannot help. */
export const NO_RETRY: RetryPolicySpec = { ...PROVIDER_RETRY, maximumAttempts: 1 };

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
