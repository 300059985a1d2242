// Waitpoints: a step that submitted an async provider job waits for the provider's callback (a
// signal); when none comes in time, polling takes over. The whole wait is bounded by the step's
// timeout, and while any step waits, the run is `waiting` with what it waits on.
import { CancellationScope, condition, isCancellation, proxyActivities } from '@temporalio/workflow';
import type * as activities from '../activities';
import type { RunPatch, WaitingOn } from '../activities/contracts';
import type { SubmittedJob } from '../activities/jobs';
import type { JobSpec, PlanStep } from '../domain/types';
import type { JobState, MediaResult } from '../providers/types';
import { StepFailed } from './failures';
import type { MediaResultSignal } from './messages';
import type { MirrorPump } from './mirrorPump';

/** How long to wait for a callback before polling, and how often to poll then (node config overrides). */
const POLL_AFTER_MS = 30_000;
const POLL_EVERY_MS = 5_000;

const { pollJob, cancelJob } = proxyActivities<ReturnType<typeof activities.createActivities>>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumAttempts: 5 },
});

type JobStep = PlanStep & { kind: 'job'; job: JobSpec };

/** The run's waitpoints: the results delivered so far and the steps still waiting. */
export class Waitpoints {
  private readonly results = new Map<string, MediaResultSignal>();
  private readonly waiting = new Map<string, WaitingOn>();

  constructor(
    private readonly executionId: string,
    private readonly mirror: MirrorPump,
    private readonly setRunStatus: (status: 'waiting' | 'running', patch: Omit<RunPatch, 'status' | 'seq'>) => void,
    /** Whether a step can still take a result (in the plan and not yet settled). */
    private readonly accepts: (stepId: string) => boolean,
  ) {}

  /** The `mediaResult` signal handler: the first result for a step wins; duplicates and late ones change nothing. */
  deliver(result: MediaResultSignal): void {
    if (this.accepts(result.stepId) && !this.results.has(result.stepId)) this.results.set(result.stepId, result);
  }

  /**
   * Waits for the job's result (callback, else polling, within the step timeout) and returns it, or
   * throws StepFailed. A cancelled or timed-out wait cancels the job at the provider (best effort):
   * a vendor job nobody waits for any more would still run, and bill, to its end.
   */
  async wait(step: JobStep, job: SubmittedJob): Promise<MediaResult> {
    try {
      return await this.waitFor(step, job);
    } catch (err) {
      if (isCancellation(err) || (err instanceof StepFailed && err.info.type === 'StepTimeout')) {
        await CancellationScope.nonCancellable(() =>
          cancelJob.executeWithOptions({ activityId: `${step.id}:cancel`, summary: `${step.name}: cancel job` }, [{ provider: job.provider, job: job.handle }]).catch(() => undefined),
        );
      }
      throw err;
    }
  }

  private async waitFor(step: JobStep, job: SubmittedJob): Promise<MediaResult> {
    const deadline = Date.now() + step.timeoutMs;
    const waitingOn: WaitingOn = { stepId: step.id, provider: job.provider, jobId: job.handle.jobId, since: new Date().toISOString() };
    this.waiting.set(step.id, waitingOn);
    this.mirror.step({ stepId: step.id, status: 'waiting', waitingOn });
    this.setRunStatus('waiting', { waitingOn: [...this.waiting.values()] });

    const arrived = () => {
      const result = this.results.get(step.id);
      if (result && result.jobId !== job.handle.jobId) this.results.delete(step.id);
      return this.results.has(step.id);
    };
    const pollAfter = step.job.pollAfterMs ?? POLL_AFTER_MS;
    const pollEvery = step.job.pollIntervalMs ?? POLL_EVERY_MS;
    let state: Exclude<JobState, { status: 'running' }> | undefined;
    for (let wait = pollAfter, poll = 1; state === undefined; wait = pollEvery, poll++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new StepFailed({
          stepId: step.id,
          nodeType: step.nodeType,
          type: 'StepTimeout',
          message: `Step "${step.id}" exceeded its ${step.timeoutMs} ms step timeout while waiting on ${job.provider} job ${job.handle.jobId}.`,
        });
      }
      if (await condition(arrived, Math.min(wait, remaining))) {
        const result = this.results.get(step.id)!;
        state = result.status === 'succeeded' && result.result
          ? { status: 'succeeded', result: result.result }
          : { status: 'failed', error: result.error ?? { type: 'ProviderJobFailed', message: 'The provider reported a failure.' } };
      } else if (step.job.pollable) {
        const polled = await pollJob.executeWithOptions({ activityId: `${step.id}:poll:${poll}`, summary: `${step.name}: poll job` }, [
          { executionId: this.executionId, stepId: step.id, provider: job.provider, job: job.handle },
        ]);
        if (polled.status !== 'running') state = polled;
      }
    }

    this.waiting.delete(step.id);
    this.mirror.step({ stepId: step.id, status: 'running' });
    if (this.waiting.size === 0) this.setRunStatus('running', {});
    if (state.status === 'failed') throw new StepFailed({ stepId: step.id, nodeType: step.nodeType, ...state.error });
    return state.result;
  }
}
