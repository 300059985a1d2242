// Plain types shared by every layer, including deterministic workflow code: types only. What a node
// type declares about its steps (retry policy, execution, media kind, output) is defined with the node
// module shape in src/nodes/types.ts, below the domain, and re-exported here.
import type { MediaKind, RetryPolicySpec, StepExecution } from '../nodes/types';

export type { JobSpec, MediaKind, RetryPolicySpec, StepActivityName, StepExecution, StepOutput } from '../nodes/types';

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

/** Where a run comes from (defined in the public contract). */
export type { TriggerType } from '../contract/statuses';

/** Which kind of execution carries out a step. */
export type StepKind = StepExecution['kind'];

/** One input port's value source: an upstream node's output port. */
export interface StepInputBinding {
  port: string;
  sourceNodeId: string;
  sourcePort: string;
}

/** What every step of a plan has. Its id is the node id, the activity id and the database key. */
export interface PlanStepBase {
  id: string;
  name: string;
  nodeType: string;
  groupIndex: number;
  dependsOn: string[];
  inputs: StepInputBinding[];
  /** The node's config as parsed at planning time (defaults applied), without its secrets. */
  config: Record<string, unknown>;
  model?: string;
  /** The media a generation step makes, and the output port carrying its reference. */
  media?: { kind: MediaKind; port: string };
  /** Base credits of the step (before tier pricing and markup), when billable. */
  credits?: number;
  retry: RetryPolicySpec;
  timeoutMs: number;
}

/** A step of a plan, typed by how it executes. */
export type PlanStep = PlanStepBase & StepExecution;

/** The ordered subgraph a run executes: steps in parallel groups, each group after the last. */
export interface Plan {
  /** The node run (with everything upstream); several Response Output nodes are joined with commas. */
  targetNodeId: string;
  steps: PlanStep[];
  groups: string[][];
  /** Set when the run targets several Response Output nodes: its output is an object with one entry per node. */
  outputs?: Array<{ nodeId: string; key: string }>;
}
