// The output of a completed run: its target's value, or, when the run targets several Response
// Output nodes, an object with one entry per node, keyed by the node's name (or id).
import type { Plan, StepOutput } from './types';

/** The run's output from its steps' outputs. */
export function runOutputOf(plan: Pick<Plan, 'targetNodeId' | 'outputs'>, outputs: ReadonlyMap<string, StepOutput>): unknown {
  if (!plan.outputs) return outputs.get(plan.targetNodeId)?.value;
  return Object.fromEntries(plan.outputs.map(({ nodeId, key }) => [key, outputs.get(nodeId)?.value ?? null]));
}
