// The run workflow: one per execution (workflow id = execution id). Walks the plan group by group,
// runs provider steps as activities with each step's retry and timeout policy, computes pure steps
// inline, skips what a failure makes pointless, and mirrors every status change into Postgres.
import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import type { ProviderStepInput, RunErrorInfo, RunExecutionInput, RunExecutionResult, StoredEnd } from '../activities/contracts';
import { finalStepOf, runEndPlanOf } from '../domain/runEnd';
import { runOutputOf } from '../domain/runOutput';
import { resolveStepInputs, runInlineStep } from '../domain/stepInputs';
import type { ExecutionStatus } from '../domain/statuses';
import type { PlanStep, StepOutput } from '../domain/types';
import { describeFailure, StepFailed } from './failures';
import { mediaResultSignal } from './messages';
import { MirrorPump } from './mirrorPump';
import { handedOverProgress } from './progressHandover';
import { RUN_STATUS } from './searchAttributes';
import { Waitpoints } from './waitpoints';

type Activities = ReturnType<typeof activities.createActivities>;

/** The patch id of provider steps that record themselves (see Execution.stepsRecordThemselves). */
export const STEP_RECORDS_IN_ACTIVITIES = 'step-records-in-activities';

/**
 * The patch id of runs whose final provider step ends the run in its own record (see
 * Execution.finalStepEndsRun). It replaces STEP_RECORDS_IN_ACTIVITIES for new runs (one patch
 * marker per run, as before) and implies it.
 */
export const FINAL_STEP_ENDS_RUN = 'final-step-ends-run';

/** The statuses a run ends in (TERMINAL_EXECUTION_STATUSES of src/contract/statuses.ts, which imports zod: not in the workflow bundle). */
const ENDED: ReadonlyArray<StoredEnd['status']> = ['completed', 'error', 'cancelled'];

/** Heartbeats let cancellation reach a running provider call promptly. */
const HEARTBEAT_TIMEOUT_MS = 10_000;

const { deliverCallback } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    maximumAttempts: 10,
    nonRetryableErrorTypes: ['CallbackRejected', 'CallbackUrlRefused'],
  },
});

/** Runs one execution's plan to completion, error or cancellation. */
export async function runExecution(input: RunExecutionInput): Promise<RunExecutionResult> {
  return new Execution(input).run();
}

class Execution {
  private readonly mirror: MirrorPump;
  private readonly outputs = new Map<string, StepOutput>();
  private readonly settled = new Set<string>();
  private readonly steps: Map<string, PlanStep>;
  private runTimedOut = false;
  /** The run status last written to the search attribute (admission starts the workflow with `running`). */
  private searchStatus: ExecutionStatus = 'running';
  private readonly running = new Set<string>();
  private readonly waitpoints: Waitpoints;
  /**
   * Provider steps record their own progress and completion (and carry the run's queued changes),
   * so no mirror write sits between a step's completion and the next dispatch. Runs started before
   * this patch keep the mirror writing every step (their histories replay as recorded).
   */
  private stepsRecordThemselves = false;
  /**
   * The run's final provider step ends the run in its own record (its inline successors settled,
   * the run completed, its results applied), so the workflow writes nothing after the last step;
   * and a run whose end another writer recorded first ends as recorded. Runs started before this
   * patch end through the mirror (their histories replay as recorded).
   */
  private finalStepEndsRun = false;
  /** The run's final provider step, when it ends the run (see finalStepOf). */
  private finalStepId?: string;
  /** Set when that step's attempt ended the run: how it ended, as stored. */
  private ended?: StoredEnd;

  constructor(private readonly input: RunExecutionInput) {
    this.mirror = new MirrorPump(input.executionId);
    this.steps = new Map(input.plan.steps.map((step) => [step.id, step]));
    this.waitpoints = new Waitpoints(
      input.executionId,
      this.mirror,
      (status, patch) => this.setStatus(status, patch),
      (stepId) => this.steps.has(stepId) && !this.settled.has(stepId),
    );
  }

  async run(): Promise<RunExecutionResult> {
    const { input } = this;
    setHandler(mediaResultSignal, (result) => this.waitpoints.deliver(result));
    this.finalStepEndsRun = patched(FINAL_STEP_ENDS_RUN);
    this.stepsRecordThemselves = this.finalStepEndsRun || patched(STEP_RECORDS_IN_ACTIVITIES);
    if (this.finalStepEndsRun) this.finalStepId = finalStepOf(input.plan, new Set(Object.keys(input.reusedOutputs ?? {})));
    if (this.stepsRecordThemselves) this.mirror.handOffToSteps();
    this.setStatus('running', { startedAtMs: Date.now() });

    const timeoutScope = new CancellationScope();
    const walkScope = new CancellationScope();
    timeoutScope
      .run(() => sleep(input.runTimeoutMs))
      .then(
        () => {
          this.runTimedOut = true;
          walkScope.cancel();
        },
        () => undefined,
      );

    let status: RunExecutionResult['status'] = 'completed';
    let error: RunErrorInfo | undefined;
    let cancellation: unknown;
    try {
      await walkScope.run(() => this.walk());
    } catch (err) {
      if (err instanceof StepFailed) {
        status = 'error';
        error = err.info;
      } else if (this.runTimedOut) {
        status = 'error';
        error = { type: 'RunTimeout', message: `Run timeout of ${input.runTimeoutMs} ms exceeded; the run was aborted.` };
      } else if (isCancellation(err)) {
        cancellation = err;
        status = 'cancelled';
        error = { type: 'Cancelled', message: 'The run was cancelled.' };
      } else {
        throw err;
      }
    } finally {
      timeoutScope.cancel();
    }
    // The final step ended the run (its inline successors and the run's end are written).
    if (this.ended) return this.endAsStored(this.ended, undefined);

    const stepReason = status === 'cancelled' ? 'the run was cancelled' : 'the run failed';
    for (const step of input.plan.steps) {
      if (this.settled.has(step.id)) continue;
      if (status === 'error' && error?.type === 'RunTimeout' && this.running.has(step.id)) {
        this.settle(step, 'error', { error: { ...error, stepId: step.id, nodeType: step.nodeType } });
      } else {
        this.settle(step, 'skipped', { error: { stepId: step.id, type: 'Skipped', message: `Skipped: ${stepReason}.` } });
      }
    }

    const output = status === 'completed' ? runOutputOf(input.plan, this.outputs) : null;
    const durationMs = Math.max(0, Date.now() - input.receivedAtMs);
    this.setStatus(status, {
      finishedAtMs: Date.now(),
      durationMs,
      ...(status === 'completed' ? { output } : {}),
      ...(error ? { error } : {}),
    });
    this.mirror.finish(status === 'completed' ? { applyResults: { workflowId: input.workflowId } } : { refund: true });
    await this.mirror.drain();
    // Another writer ended the run first (the final step completed it while this run was being
    // cancelled or timed out, or an earlier attempt of a failed step had): the rows win.
    const stored = this.finalStepEndsRun ? this.mirror.storedEnd : undefined;
    if (stored && ENDED.includes(stored.status)) return this.endAsStored(stored, cancellation);
    if (input.callbackUrl) await this.deliverResult();

    // Rethrown so Temporal records the workflow as cancelled too; the mirror already has the truth.
    if (status === 'cancelled') throw cancellation;
    return { executionId: input.executionId, status, output, ...(error ? { error } : {}), durationMs };
  }

  /** Ends the run as Postgres recorded it: its status on the search attribute, its result callback, its result. */
  private async endAsStored(end: StoredEnd, cancellation: unknown): Promise<RunExecutionResult> {
    const status = end.status as RunExecutionResult['status'];
    this.showStatus(status);
    await this.mirror.drain();
    if (this.input.callbackUrl) await this.deliverResult();
    if (status === 'cancelled' && cancellation) throw cancellation;
    return { executionId: this.input.executionId, status, output: end.output ?? null, ...(end.error ? { error: end.error } : {}), durationMs: end.durationMs ?? 0 };
  }

  /** Delivers the signed result callback; a receiver that never accepts it cannot fail the settled run. */
  private async deliverResult(): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      try {
        const { status } = await deliverCallback.executeWithOptions({ activityId: 'callback', summary: 'Deliver result callback' }, [
          { executionId: this.input.executionId },
        ]);
        setCurrentDetails(`Result callback delivered (${status}).`);
      } catch (err) {
        setCurrentDetails(`Result callback not delivered: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`);
      }
    });
  }

  /** Runs the groups in order; a failure in a group cancels its still-running siblings. */
  private async walk(): Promise<void> {
    const { plan, reusedOutputs } = this.input;
    for (const [index, group] of plan.groups.entries()) {
      setCurrentDetails(`Group ${index + 1} of ${plan.groups.length}: ${group.join(', ')}`);
      const groupScope = new CancellationScope();
      let failure: StepFailed | undefined;
      await groupScope.run(() =>
        Promise.all(
          group.map(async (stepId) => {
            const step = this.steps.get(stepId)!;
            const reused = reusedOutputs?.[stepId];
            if (reused) {
              this.outputs.set(stepId, reused);
              this.settle(step, 'completed', { output: reused, reused: true });
              return;
            }
            try {
              const output = await this.runStep(step);
              this.outputs.set(stepId, output);
            } catch (err) {
              this.mirror.progress(handedOverProgress(err));
              if (!failure && !isCancellation(err)) {
                failure = new StepFailed(describeFailure(step, err));
                this.settle(step, 'error', { error: failure.info, ...(failure.info.attempt ? { attempts: failure.info.attempt } : {}) });
                groupScope.cancel();
              } else if (failure && isCancellation(err)) {
                this.settle(step, 'skipped', {
                  error: { stepId, type: 'Skipped', message: `Skipped: sibling step "${failure.info.stepId}" failed.` },
                });
              }
              if (!failure) throw err;
            }
          }),
        ),
      );
      if (failure) throw failure;
      // The final step ended the run: the groups after it are its inline successors, written with it.
      if (this.ended) return;
    }
  }

  /** Runs one step the way its node type executes; the switch is exhaustive, so a new kind fails to compile until handled here. */
  private async runStep(step: PlanStep): Promise<StepOutput> {
    const inputs = resolveStepInputs(step, this.outputs);
    switch (step.kind) {
      case 'inline': {
        const output = runInlineStep(step, inputs, this.input.inputs);
        this.settle(step, 'completed', { output, attempts: 1 });
        return output;
      }
      case 'activity': {
        this.running.add(step.id);
        const request = this.request(step, inputs);
        const handed = this.stepsRecordThemselves ? this.mirror.handOff() : undefined;
        if (handed) request.record = { changes: handed.changes };
        // Only when the mirror holds nothing back (changes too large to hand over, a write in
        // flight): none of its writes may land after the run's end.
        if (handed && step.id === this.finalStepId && this.mirror.holdsNothing()) {
          const run = { runInputs: this.input.inputs, seq: this.mirror.reserveSeq(), receivedAtMs: this.input.receivedAtMs, workflowId: this.input.workflowId };
          request.end = runEndPlanOf(this.input.plan, step.id, this.outputs, run);
        }
        const result = await activitiesFor(step)[step.activity].executeWithOptions({ activityId: step.id, summary: step.name }, [request]);
        if (handed && result.recorded) {
          // The attempt wrote the handed changes, its progress and its completion itself.
          this.mirror.confirm(handed.upTo);
          this.running.delete(step.id);
          this.settled.add(step.id);
          if (result.ended) this.ended = result.ended;
          return result.output;
        }
        this.mirror.progress(result.progress);
        return this.completed(step, result.output, result.attempt);
      }
      case 'job': {
        // Stays marked while waiting or cancelled, so a run timeout can tell which steps it aborted.
        this.running.add(step.id);
        const acts = activitiesFor(step);
        const request = this.request(step, inputs);
        const submitted = await acts.submitJob.executeWithOptions({ activityId: `${step.id}:submit`, summary: `${step.name}: submit job` }, [request]);
        const result = await this.waitpoints.wait(step, submitted);
        const ref = await acts.collectMedia.executeWithOptions({ activityId: `${step.id}:collect`, summary: `${step.name}: store result` }, [
          { executionId: request.executionId, stepId: step.id, result },
        ]);
        return this.completed(step, { [step.media?.port ?? 'media']: ref });
      }
      default:
        return assertNever(step);
    }
  }

  private request(step: PlanStep, inputs: Record<string, unknown>): ProviderStepInput {
    return {
      executionId: this.input.executionId,
      stepId: step.id,
      nodeType: step.nodeType,
      config: step.config,
      inputs,
      ...(step.model ? { model: step.model } : {}),
      ...(step.media ? { media: step.media } : {}),
    };
  }

  private completed(step: PlanStep, output: StepOutput, attempts?: number): StepOutput {
    this.running.delete(step.id);
    this.settle(step, 'completed', { output, ...(attempts !== undefined ? { attempts } : {}) });
    return output;
  }

  private settle(step: PlanStep, status: 'completed' | 'error' | 'skipped', patch: Partial<Parameters<MirrorPump['step']>[0]>): void {
    if (this.settled.has(step.id)) return;
    this.settled.add(step.id);
    this.mirror.step({ ...patch, stepId: step.id, status, finishedAtMs: Date.now() });
  }

  private setStatus(status: ExecutionStatus, patch: Omit<Parameters<MirrorPump['runStatus']>[0], 'status'>): void {
    this.mirror.runStatus({ ...patch, status });
    this.showStatus(status);
  }

  /** Shows the run's status in Temporal: its search attribute and the workflow's current details. */
  private showStatus(status: ExecutionStatus): void {
    // A history event and a visibility write each: only when the status changes (two parallel
    // jobs waiting set `waiting` twice, with different waitingOn).
    if (status !== this.searchStatus) {
      this.searchStatus = status;
      upsertSearchAttributes([{ key: RUN_STATUS, value: status }]);
    }
    if (status !== 'running') setCurrentDetails(`Run ${status}`);
  }
}

/** The step's activities, with its retry policy, timeout and heartbeat. */
function activitiesFor(step: PlanStep) {
  return proxyActivities<Activities>({
    startToCloseTimeout: step.timeoutMs,
    heartbeatTimeout: Math.min(HEARTBEAT_TIMEOUT_MS, step.timeoutMs),
    retry: {
      initialInterval: step.retry.initialIntervalMs,
      backoffCoefficient: step.retry.backoffCoefficient,
      maximumInterval: step.retry.maximumIntervalMs,
      maximumAttempts: step.retry.maximumAttempts,
      nonRetryableErrorTypes: step.retry.nonRetryableErrorTypes,
    },
  });
}

/** Reached only when a step kind is not handled: the compiler flags the switch first. */
function assertNever(step: never): never {
  throw ApplicationFailure.create({ type: 'InvalidConfig', message: `Step kind of ${JSON.stringify(step)} is not handled.`, nonRetryable: true });
}
