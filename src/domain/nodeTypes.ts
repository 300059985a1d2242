// The node type registry: ports, executability, provider kind and default policies per type.
import { findModel, type ModelKind } from './models';
import type { CanvasNode, RetryPolicySpec, StepKind } from './types';

/** One port of a node type. */
export interface PortSpec {
  name: string;
  required: boolean;
  /** A required input that a config key can stand in for (e.g. `prompt`). */
  satisfiedByConfig?: string;
}

/** What the registry knows about a node type. */
export interface NodeTypeSpec {
  type: string;
  label: string;
  /** Non-executable nodes (notes) never take part in a run. */
  executable: boolean;
  kind: StepKind;
  /** Models of this kind may be configured; `defaultModel` when none is. */
  modelKind?: ModelKind;
  defaultModel?: string;
  inputs: PortSpec[];
  /** Any input port name is accepted (template variables). */
  variadicInputs: boolean;
  /** Output ports; `dynamic` means they are derived from the node's config. */
  outputs: string[] | 'dynamic';
  /** Source nodes start a run; they have no inputs. */
  source: boolean;
  retry: RetryPolicySpec;
  timeoutMs: number;
}

const PROVIDER_RETRY: RetryPolicySpec = {
  initialIntervalMs: 1_000,
  backoffCoefficient: 2,
  maximumIntervalMs: 30_000,
  maximumAttempts: 3,
  nonRetryableErrorTypes: ['ProviderRejected', 'InvalidConfig'],
};
const NO_RETRY: RetryPolicySpec = { ...PROVIDER_RETRY, maximumAttempts: 1 };

/** Every node type, by type id. */
export const NODE_TYPES: Readonly<Record<string, NodeTypeSpec>> = {
  'request-input': {
    type: 'request-input', label: 'Request Input', executable: true, kind: 'inline',
    inputs: [], variadicInputs: false, outputs: 'dynamic', source: true, retry: NO_RETRY, timeoutMs: 1_000,
  },
  'webhook-trigger': {
    type: 'webhook-trigger', label: 'Webhook Trigger', executable: true, kind: 'inline',
    inputs: [], variadicInputs: false, outputs: ['body', 'headers'], source: true, retry: NO_RETRY, timeoutMs: 1_000,
  },
  'text-generation': {
    type: 'text-generation', label: 'Text Generation', executable: true, kind: 'text',
    modelKind: 'text', defaultModel: 'sandbox-text',
    inputs: [
      { name: 'prompt', required: true, satisfiedByConfig: 'prompt' },
      { name: 'system', required: false },
    ],
    variadicInputs: true, outputs: ['text'], source: false, retry: PROVIDER_RETRY, timeoutMs: 120_000,
  },
  'image-generation': {
    type: 'image-generation', label: 'Image Generation', executable: true, kind: 'image',
    modelKind: 'image', defaultModel: 'sandbox-image',
    inputs: [{ name: 'prompt', required: true, satisfiedByConfig: 'prompt' }],
    variadicInputs: true, outputs: ['image'], source: false, retry: PROVIDER_RETRY, timeoutMs: 300_000,
  },
  'video-generation': {
    type: 'video-generation', label: 'Video Generation', executable: true, kind: 'video',
    modelKind: 'video', defaultModel: 'sandbox-video',
    inputs: [{ name: 'prompt', required: true, satisfiedByConfig: 'prompt' }],
    variadicInputs: true, outputs: ['video'], source: false, retry: PROVIDER_RETRY, timeoutMs: 600_000,
  },
  'http-request': {
    type: 'http-request', label: 'HTTP Request', executable: true, kind: 'http',
    inputs: [
      { name: 'url', required: true, satisfiedByConfig: 'url' },
      { name: 'body', required: false },
    ],
    variadicInputs: true, outputs: ['status', 'headers', 'body'], source: false,
    retry: { ...PROVIDER_RETRY, nonRetryableErrorTypes: ['ProviderRejected', 'InvalidConfig'] }, timeoutMs: 30_000,
  },
  template: {
    type: 'template', label: 'Template', executable: true, kind: 'inline',
    inputs: [], variadicInputs: true, outputs: ['text', 'json'], source: false, retry: NO_RETRY, timeoutMs: 1_000,
  },
  'response-output': {
    type: 'response-output', label: 'Response Output', executable: true, kind: 'inline',
    inputs: [], variadicInputs: true, outputs: [], source: false, retry: NO_RETRY, timeoutMs: 1_000,
  },
  note: {
    type: 'note', label: 'Note', executable: false, kind: 'inline',
    inputs: [], variadicInputs: false, outputs: [], source: false, retry: NO_RETRY, timeoutMs: 1_000,
  },
};

/** The spec of a node type, or undefined for an unknown type. */
export function findNodeType(type: string): NodeTypeSpec | undefined {
  return Object.hasOwn(NODE_TYPES, type) ? NODE_TYPES[type] : undefined;
}

/** The output ports a node offers. Request Input offers one port per declared field. */
export function outputPortsOf(node: CanvasNode, spec: NodeTypeSpec): string[] {
  if (spec.outputs !== 'dynamic') return spec.outputs;
  const fields = Array.isArray(node.config.fields) ? node.config.fields : [];
  return fields.flatMap((field) =>
    field && typeof field === 'object' && typeof (field as { name?: unknown }).name === 'string'
      ? [(field as { name: string }).name]
      : [],
  );
}

/** The model a node uses: its configured `model`, else its type's default. */
export function modelOf(node: CanvasNode, spec: NodeTypeSpec): string | undefined {
  if (!spec.modelKind) return undefined;
  return typeof node.config.model === 'string' ? node.config.model : spec.defaultModel;
}

/** True when a configured model exists and is of the kind the node type produces (uncatalogued vendor models fit any media node). */
export function modelFits(modelId: string, spec: NodeTypeSpec): boolean {
  const model = findModel(modelId);
  if (!model || !spec.modelKind) return false;
  return model.kind === spec.modelKind || (model.kind === 'media' && spec.modelKind !== 'text');
}
