// The benchmark's baseline: the same plan walked by a bare workflow calling the same provider
// activities, with no status mirror and no API in front.
import { CancellationScope, patched, proxyActivities, proxyLocalActivities, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import type { createStepActivities } from '../src/activities/steps';
import { nonRetryableFailureTypes } from '../src/domain/retryability';
import { resolveStepInputs, runInlineStep } from '../src/domain/stepInputs';
import type { Plan, StepOutput } from '../src/domain/types';
import { RUN_STATUS } from '../src/workflows/searchAttributes';

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

/** What an activity of ours carries that a bare no-op activity does not (bench/activityExtras.ts). */
export interface ActivityExtras {
  /** A 10 s heartbeat timeout, as every provider step has. */
  heartbeat?: boolean;
  /** Our step retry policy (its non-retryable error types) and a summary naming the step in the Temporal UI. */
  policy?: boolean;
  /** The activity's input, in bytes (ours: 0.8 to 1.9 KB for the DAG's text steps). */
  inputBytes?: number;
  /** The activity's result, in bytes (ours: about 0.4 KB). */
  resultBytes?: number;
  /**
   * What our run's history holds besides its steps: a `patched()` marker (with the change-version
   * upsert Temporal adds to it), the run timeout's timer (started, then cancelled), a status
   * search-attribute upsert at the end and a local activity at the end (our run-end write).
   */
  history?: boolean | HistoryPart[];
  /** A schedule-to-close timeout on every activity: how steps would be bounded by the run's deadline without a run-timeout timer. */
  scheduleToClose?: boolean;
}

/** One of the history extras (all of them with `history: true`). */
export type HistoryPart = 'patch' | 'timer' | 'upsert' | 'local' | 'open-timer';

/** Activities that return a result of the asked size. */
export interface EchoActivities {
  echo(input: string, resultBytes: number): Promise<string>;
}

/** The benchmark DAG with activities that carry `extras` (`_startPadding`: a start input of our size). */
export async function bareDagCarrying(extras: ActivityExtras, _startPadding?: string): Promise<number> {
  const acts = proxyActivities<EchoActivities>({
    startToCloseTimeout: extras.policy ? '120s' : '1 minute',
    ...(extras.heartbeat ? { heartbeatTimeout: '10s' } : {}),
    ...(extras.scheduleToClose ? { scheduleToCloseTimeout: '1 hour' } : {}),
    ...(extras.policy ? { retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 3, nonRetryableErrorTypes: nonRetryableFailureTypes('step') } } : {}),
  });
  const input = 'x'.repeat(extras.inputBytes ?? 1);
  const resultBytes = extras.resultBytes ?? 1;
  const call = (id: string) =>
    extras.policy ? acts.echo.executeWithOptions({ activityId: id, summary: `Text Generation ${id}` }, [input, resultBytes]) : acts.echo(input, resultBytes);
  const walk = async () => {
    const a = await call('a');
    const [b, c] = await Promise.all([call('b'), call('c')]);
    const d = await call('d');
    return a.length + b.length + c.length + d.length;
  };
  if (!extras.history) return walk();
  const has = (part: HistoryPart) => extras.history === true || (Array.isArray(extras.history) && extras.history.includes(part));
  if (has('patch')) patched('bench-history-extras');
  const timeout = new CancellationScope();
  if (has('timer') || has('open-timer')) timeout.run(() => sleep('1 hour')).catch(() => undefined);
  const total = await walk();
  if (has('timer')) timeout.cancel();
  if (has('upsert')) upsertSearchAttributes([{ key: RUN_STATUS, value: 'completed' }]);
  if (has('local')) await endWrite.echo('end', 1);
  return total;
}

const endWrite = proxyLocalActivities<EchoActivities>({ startToCloseTimeout: '45s' });
