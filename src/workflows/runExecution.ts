// The run workflow: one per execution (workflow id = execution id). Walks the plan group by group,
// runs provider steps as activities with each step's retry and timeout policy, computes pure steps
// inline, skips what a failure makes pointless, and mirrors every status change into Postgres.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  TimeoutFailure,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import type { ProviderStepInput, RunErrorInfo, RunExecutionInput, RunExecutionResult, WaitingOn } from '../activities/contracts';
import type { MediaJobState } from '../providers/types';
import { resolveStepInputs, runInlineStep } from '../domain/stepInputs';
import type { ExecutionStatus } from '../domain/statuses';
import type { PlanStep, StepOutput } from '../domain/types';
import { mediaResultSignal, type MediaResultSignal } from './messages';
import { MirrorPump } from './mirrorPump';
import { RUN_STATUS } from './searchAttributes';

type Activities = ReturnType<typeof activities.createActivities>;

/** Heartbeats let cancellation reach a running provider call promptly. */
const HEARTBEAT_TIMEOUT_MS = 10_000;
/** Async jobs: how long to wait for a callback before polling, and how often to poll then. */
const POLL_AFTER_MS = 30_000;
const POLL_EVERY_MS = 5_000;

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

const { pollMediaJob } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumAttempts: 5 },
});

/** Runs one execution's plan to completion, error or cancellation. */
export async function runExecution(input: RunExecutionInput): Promise<RunExecutionResult> {
  return new Execution(input).run();
}

/** A step failure the walk hands back to the run. */
class StepFailed extends Error {
  constructor(readonly info: RunErrorInfo) {
    super(info.message);
  }
}

class Execution {
  private readonly mirror: MirrorPump;
  private readonly outputs = new Map<string, StepOutput>();
  private readonly settled = new Set<string>();
  private readonly steps: Map<string, PlanStep>;
  private runTimedOut = false;
  private readonly running = new Set<string>();
  /** Provider results delivered by callback, by step. */
  private readonly mediaResults = new Map<string, MediaResultSignal>();
  /** Steps waiting on a provider job. */
  private readonly waiting = new Map<string, WaitingOn>();

  constructor(private readonly input: RunExecutionInput) {
    this.mirror = new MirrorPump(input.executionId);
    this.steps = new Map(input.plan.steps.map((step) => [step.id, step]));
  }

  async run(): Promise<RunExecutionResult> {
    const { input } = this;
    setHandler(mediaResultSignal, (result) => {
      // The first result for a step wins; duplicates, unknown steps and late arrivals change nothing.
      if (this.steps.has(result.stepId) && !this.mediaResults.has(result.stepId) && !this.settled.has(result.stepId)) {
        this.mediaResults.set(result.stepId, result);
      }
    });
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

    const stepReason = status === 'cancelled' ? 'the run was cancelled' : 'the run failed';
    for (const step of input.plan.steps) {
      if (this.settled.has(step.id)) continue;
      if (status === 'error' && error?.type === 'RunTimeout' && this.running.has(step.id)) {
        this.settle(step, 'error', { error: { ...error, stepId: step.id, nodeType: step.nodeType } });
      } else {
        this.settle(step, 'skipped', { error: { stepId: step.id, type: 'Skipped', message: `Skipped: ${stepReason}.` } });
      }
    }

    const output = status === 'completed' ? this.outputs.get(input.plan.targetNodeId)?.value : null;
    const durationMs = Math.max(0, Date.now() - input.receivedAtMs);
    this.setStatus(status, {
      finishedAtMs: Date.now(),
      durationMs,
      ...(status === 'completed' ? { output } : {}),
      ...(error ? { error } : {}),
    });
    this.mirror.finish(status === 'completed' ? { applyResults: { workflowId: input.workflowId } } : { refund: true });
    await this.mirror.drain();
    if (input.callbackUrl) await this.deliverResult();

    // Rethrown so Temporal records the workflow as cancelled too; the mirror already has the truth.
    if (status === 'cancelled') throw cancellation;
    return { executionId: input.executionId, status, output, ...(error ? { error } : {}), durationMs };
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
              if (!failure && !isCancellation(err)) {
                failure = err instanceof StepFailed ? err : new StepFailed(this.describeFailure(step, err));
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
    }
  }

  private async runStep(step: PlanStep): Promise<StepOutput> {
    const inputs = resolveStepInputs(step, this.outputs);
    if (step.kind === 'inline') {
      const output = runInlineStep(step, inputs, this.input.inputs);
      this.settle(step, 'completed', { output, attempts: 1 });
      return output;
    }
    const request: ProviderStepInput = {
      executionId: this.input.executionId,
      stepId: step.id,
      nodeType: step.nodeType,
      config: step.config,
      inputs,
      ...(step.model ? { model: step.model } : {}),
    };
    const acts = proxyActivities<Activities>({
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
    const options = { activityId: step.id, summary: step.name };
    if (step.kind === 'video') {
      const submitted = await acts.submitMediaJob.executeWithOptions({ activityId: `${step.id}:submit`, summary: `${step.name}: submit job` }, [request]);
      return this.awaitMediaJob(step, submitted);
    }
    // Stays marked while in flight or cancelled, so a run timeout can tell which steps it aborted.
    this.running.add(step.id);
    const result =
        step.kind === 'text'
        ? await acts.generateText.executeWithOptions(options, [request])
        : step.kind === 'image'
          ? await acts.generateImage.executeWithOptions(options, [request])
          : step.kind === 'http'
            ? await acts.httpRequest.executeWithOptions(options, [request])
            : unsupported(step);
    this.running.delete(step.id);
    this.settle(step, 'completed', { output: result.output, attempts: result.attempt });
    return result.output;
  }

  /**
   * A waitpoint: the step and the run wait for the provider's callback (a signal); when none comes
   * in time, polling takes over. The whole wait is bounded by the step's timeout.
   */
  private async awaitMediaJob(step: PlanStep, job: { provider: string; jobId: string; pollable: boolean }): Promise<StepOutput> {
    const deadline = Date.now() + step.timeoutMs;
    const waitingOn: WaitingOn = { stepId: step.id, provider: job.provider, jobId: job.jobId, since: new Date().toISOString() };
    this.waiting.set(step.id, waitingOn);
    this.mirror.step({ stepId: step.id, status: 'waiting', waitingOn });
    this.setStatus('waiting', { waitingOn: [...this.waiting.values()] });

    const arrived = () => {
      const result = this.mediaResults.get(step.id);
      if (result && result.jobId !== job.jobId) this.mediaResults.delete(step.id);
      return this.mediaResults.has(step.id);
    };
    const pollAfter = positive(step.config.pollAfterMs) ?? POLL_AFTER_MS;
    const pollEvery = positive(step.config.pollIntervalMs) ?? POLL_EVERY_MS;
    let state: Exclude<MediaJobState, { status: 'running' }> | undefined;
    for (let wait = pollAfter, poll = 1; state === undefined; wait = pollEvery, poll++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new StepFailed({
          stepId: step.id,
          nodeType: step.nodeType,
          type: 'StepTimeout',
          message: `Step "${step.id}" exceeded its ${step.timeoutMs} ms step timeout while waiting on ${job.provider} job ${job.jobId}.`,
        });
      }
      if (await condition(arrived, Math.min(wait, remaining))) {
        const result = this.mediaResults.get(step.id)!;
        state = result.status === 'succeeded'
          ? { status: 'succeeded', result: result.result as never }
          : { status: 'failed', error: result.error ?? { type: 'ProviderJobFailed', message: 'The provider reported a failure.' } };
      } else if (job.pollable) {
        const polled = await pollMediaJob.executeWithOptions({ activityId: `${step.id}:poll:${poll}`, summary: `${step.name}: poll job` }, [
          { provider: job.provider, jobId: job.jobId },
        ]);
        if (polled.status !== 'running') state = polled;
      }
    }

    this.waiting.delete(step.id);
    this.mirror.step({ stepId: step.id, status: 'running' });
    if (this.waiting.size === 0) this.setStatus('running', {});
    if (state.status === 'failed') throw new StepFailed({ stepId: step.id, nodeType: step.nodeType, ...state.error });
    return { video: state.result };
  }

  private describeFailure(step: PlanStep, err: unknown): RunErrorInfo {
    const base = { stepId: step.id, nodeType: step.nodeType };
    if (err instanceof ActivityFailure) {
      const cause = err.cause;
      if (cause instanceof TimeoutFailure) {
        return { ...base, type: 'StepTimeout', message: `Step "${step.id}" exceeded its ${step.timeoutMs} ms step timeout (${String(cause.timeoutType)}).` };
      }
      if (cause instanceof ApplicationFailure) {
        const details = cause.details?.[0] as { attempt?: number } | undefined;
        return { ...base, type: cause.type ?? 'Error', message: cause.message, ...(details?.attempt ? { attempt: details.attempt } : {}) };
      }
      return { ...base, type: 'Error', message: cause?.message ?? err.message };
    }
    const message = err instanceof Error ? err.message : String(err);
    return { ...base, type: 'InlineStepFailed', message };
  }

  private settle(step: PlanStep, status: 'completed' | 'error' | 'skipped', patch: Partial<Parameters<MirrorPump['step']>[0]>): void {
    if (this.settled.has(step.id)) return;
    this.settled.add(step.id);
    this.mirror.step({ ...patch, stepId: step.id, status, finishedAtMs: Date.now() });
  }

  private setStatus(status: ExecutionStatus, patch: Omit<Parameters<MirrorPump['runStatus']>[0], 'status'>): void {
    this.mirror.runStatus({ ...patch, status });
    upsertSearchAttributes([{ key: RUN_STATUS, value: status }]);
    if (status !== 'running') setCurrentDetails(`Run ${status}`);
  }
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

function unsupported(step: PlanStep): never {
  throw ApplicationFailure.create({ type: 'InvalidConfig', message: `Node type ${step.nodeType} cannot run yet.`, nonRetryable: true });
}
