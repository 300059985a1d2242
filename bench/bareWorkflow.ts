// The benchmark's baseline: the same plan walked by a bare workflow calling the same provider
// activities, with no status mirror and no API in front.
import { proxyActivities } from '@temporalio/workflow';
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
