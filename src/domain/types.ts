// Plain types shared by every layer, including deterministic workflow code: no imports here.

/** A canvas node as stored in the workflow's graph. */
export interface CanvasNode {
  id: string;
  type: string;
  name?: string;
  config: Record<string, unknown>;
  position?: { x: number; y: number };
}

/** An edge joins one node's output port to another node's input port. */
export interface CanvasEdge {
  id?: string;
  source: string;
  sourcePort: string;
  target: string;
  targetPort: string;
}

/** A workflow's canvas graph. */
export interface CanvasGraph {
  nodes: CanvasNode[];
  edges: CanvasEdge[];
}

/** Where a run comes from. */
export type TriggerType = 'manual' | 'api' | 'webhook' | 'mcp' | 'user-mcp' | 'replay';

/** Exponential-backoff retry policy of a step, in milliseconds. */
export interface RetryPolicySpec {
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
  maximumAttempts: number;
  nonRetryableErrorTypes: string[];
}

/** Which activity carries out a step, or `inline` for pure steps computed inside the workflow. */
export type StepKind = 'inline' | 'text' | 'image' | 'video' | 'http';

/** One input port's value source: an upstream node's output port. */
export interface StepInputBinding {
  port: string;
  sourceNodeId: string;
  sourcePort: string;
}

/** A step of a plan. Its id is the node id, the activity id and the database key. */
export interface PlanStep {
  id: string;
  name: string;
  nodeType: string;
  kind: StepKind;
  groupIndex: number;
  dependsOn: string[];
  inputs: StepInputBinding[];
  config: Record<string, unknown>;
  model?: string;
  retry: RetryPolicySpec;
  timeoutMs: number;
}

/** The ordered subgraph a run executes: steps in parallel groups, each group after the last. */
export interface Plan {
  /** The node run (with everything upstream); several Response Output nodes are joined with commas. */
  targetNodeId: string;
  steps: PlanStep[];
  groups: string[][];
  /** Set when the run targets several Response Output nodes: its output is an object with one entry per node. */
  outputs?: Array<{ nodeId: string; key: string }>;
}

/** The value every output port of a completed step produced. */
export type StepOutput = Record<string, unknown>;
