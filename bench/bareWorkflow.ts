// The benchmark's baseline: the same plan walked by a bare workflow calling the same provider
// activities, with no status mirror and no API in front.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { createStepActivities } from '../src/activities/steps';
import { resolveStepInputs, runInlineStep } from '../src/domain/stepInputs';
import type { Plan, StepOutput } from '../src/domain/types';

type StepActivities = ReturnType<typeof createStepActivities>;
const acts = proxyActivities<StepActivities>({ startToCloseTimeout: '1 minute', heartbeatTimeout: '10s', retry: { maximumAttempts: 3 } });

/** Walks `plan` group by group; returns the target's output. */
export async function bareRun(executionId: string, plan: Plan, inputs: Record<string, unknown>): Promise<unknown> {
  const outputs = new Map<string, StepOutput>();
  const steps = new Map(plan.steps.map((step) => [step.id, step]));
  for (const group of plan.groups) {
    await Promise.all(
      group.map(async (id) => {
        const step = steps.get(id)!;
        const stepInputs = resolveStepInputs(step, outputs);
        if (step.kind === 'inline') {
          outputs.set(id, runInlineStep(step, stepInputs, inputs));
          return;
        }
        const request = { executionId, stepId: id, nodeType: step.nodeType, config: step.config, inputs: stepInputs, ...(step.model ? { model: step.model } : {}) };
        if (step.kind !== 'activity') throw new Error(`bare run: ${step.kind} steps are not benchmarked`);
        const result = await acts[step.activity]({ ...request, ...(step.media ? { media: step.media } : {}) });
        outputs.set(id, result.output);
      }),
    );
  }
  return outputs.get(plan.targetNodeId)?.value;
}

/** The bare side of the DAG benchmark and the hop probe: activities that do nothing. */
export interface NoopActivities {
  noop(step: string): Promise<string>;
}
const remote = proxyActivities<NoopActivities>({ startToCloseTimeout: '1 minute' });
const local = proxyLocalActivities<NoopActivities>({ startToCloseTimeout: '1 minute' });

/** The benchmark DAG with no-op steps: a; then b and c in parallel; then d. */
export async function bareDag(useLocal: boolean): Promise<string> {
  const acts = useLocal ? local : remote;
  const a = await acts.noop('a');
  const [b, c] = await Promise.all([acts.noop(`${a}b`), acts.noop(`${a}c`)]);
  return acts.noop(`${b}${c}d`);
}

/** The hop probe: `count` no-op activities in sequence (none: the cost of a workflow alone). */
export async function hopProbe(count: number, useLocal: boolean): Promise<void> {
  const acts = useLocal ? local : remote;
  for (let i = 0; i < count; i++) await acts.noop(String(i));
}
