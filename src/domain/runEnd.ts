// The end of a completed run, computed from its final provider step's output: the inline steps
// after it (Response Output, Template nodes) settle, and the run completes. Workflows with the
// `final-step-ends-run` patch hand the plan of it to that step's activity (ProviderStepInput.end),
// whose attempt computes it and writes it with its own record, in one statement: nothing is
// written after the last step, and the run's end commits with the step that ends it. The workflow
// computes the same changes itself when the step could not (the database out, an inline step
// failing). Pure and deterministic: workflow code imports it.
import type { MirrorChange } from './runRecords';
import { runOutputOf } from './runOutput';
import { resolveStepInputs, runInlineStep } from './stepInputs';
import type { Plan, StepOutput } from './types';

/** What the final step needs to end its run. */
export interface RunEndPlan {
  /** The inline steps after the final step, in the plan's order. */
  tail: Plan['steps'];
  /** The outputs of earlier steps that the tail or the run's output read. */
  outputs: Record<string, StepOutput>;
  /** The run's inputs (what a Request Input step reads). */
  runInputs: Record<string, unknown>;
  /** What the run's output is made of (see runOutputOf). */
  target: Pick<Plan, 'targetNodeId' | 'outputs'>;
  /** The sequence number of the run's completion (reserved by the workflow's mirror). */
  seq: number;
  /** When the API received the request (ms since epoch): the run's duration is measured from here. */
  receivedAtMs: number;
  /** The canvas whose nodes get the run's results. */
  workflowId: string;
}

/** The changes that end the run, in the order the workflow would make them, the run's output, and the canvas that gets the results. */
export interface RunEnd {
  changes: MirrorChange[];
  output: unknown;
  durationMs: number;
  workflowId: string;
}

/**
 * The run's final provider step: the only step of the last group that has a non-inline step, with
 * only inline steps after it and no step reused from an earlier run. Undefined when the plan has none
 * (parallel final steps, a job at the end, a replay from a step): the workflow ends such runs itself.
 */
export function finalStepOf(plan: Plan, reused: ReadonlySet<string>): string | undefined {
  const kinds = new Map(plan.steps.map((step) => [step.id, step.kind]));
  let last = -1;
  plan.groups.forEach((group, index) => {
    if (group.some((id) => kinds.get(id) !== 'inline')) last = index;
  });
  const group = plan.groups[last];
  if (!group || group.length !== 1 || kinds.get(group[0]!) !== 'activity') return undefined;
  if (plan.groups.slice(last).some((ids) => ids.some((id) => reused.has(id)))) return undefined;
  return group[0];
}

/** The plan of the run's end for its final step `stepId`, from the outputs the workflow holds. */
export function runEndPlanOf(
  plan: Plan,
  stepId: string,
  outputs: ReadonlyMap<string, StepOutput>,
  run: Pick<RunEndPlan, 'runInputs' | 'seq' | 'receivedAtMs' | 'workflowId'>,
): RunEndPlan {
  const index = plan.groups.findIndex((group) => group.includes(stepId));
  const byId = new Map(plan.steps.map((step) => [step.id, step]));
  // In the order the workflow walks them: group by group, each group in its order.
  const tail = plan.groups.slice(index + 1).flat().map((id) => byId.get(id)!);
  const later = new Set(tail.map((step) => step.id));
  const read = new Set([...tail.flatMap((step) => step.inputs.map((binding) => binding.sourceNodeId)), ...(plan.outputs?.map((entry) => entry.nodeId) ?? [plan.targetNodeId])]);
  const needed: Record<string, StepOutput> = {};
  for (const id of read) {
    const output = outputs.get(id);
    if (output && id !== stepId && !later.has(id)) needed[id] = output;
  }
  return { tail, outputs: needed, target: { targetNodeId: plan.targetNodeId, ...(plan.outputs ? { outputs: plan.outputs } : {}) }, ...run };
}

/** Settles the tail and completes the run, given the final step's output; throws when an inline step does. */
export function runEndOf(plan: RunEndPlan, stepId: string, output: StepOutput, nowMs: number): RunEnd {
  const outputs = new Map(Object.entries(plan.outputs));
  outputs.set(stepId, output);
  const changes: MirrorChange[] = [];
  for (const step of plan.tail) {
    const stepOutput = runInlineStep(step, resolveStepInputs(step, outputs), plan.runInputs);
    outputs.set(step.id, stepOutput);
    changes.push({ kind: 'step', patch: { output: stepOutput, attempts: 1, stepId: step.id, status: 'completed', finishedAtMs: nowMs } });
  }
  const runOutput = runOutputOf(plan.target, outputs);
  const durationMs = Math.max(0, nowMs - plan.receivedAtMs);
  changes.push({ kind: 'run', patch: { finishedAtMs: nowMs, durationMs, output: runOutput, status: 'completed', seq: plan.seq } });
  return { changes, output: runOutput, durationMs, workflowId: plan.workflowId };
}
