// Activities of async provider jobs: submit (idempotent by a key from execution and step), poll,
// cancel, and collecting the result into the media store (checked to be media of the step's kind).
import { randomBytes } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { MediaKind } from '../domain/models';
import type { StoredMediaRef } from '../media/types';
import { ProviderError } from '../providers/errors';
import { jobKeyOf } from '../providers/recordedJobs';
import type { JobHandle, JobState, MediaResult, ProviderRegistry } from '../providers/types';
import type { ProviderStepInput } from './contracts';
import { mediaSink, storeInlineData, storeResult, type CheckedMediaLibrary } from './mediaSink';
import { rideOutOurOutage, type OutageObserver, type OutageWait } from './ourOutage';
import { baseCall, requireModel, toFailure } from './stepAttempt';
import type { StepProgress } from './stepProgress';
import type { VendorCapacity } from './vendorCapacity';
import { budgetFailure, type JobBudgets } from './jobBudgets';
import { shareOf, type UsageCapture } from './usage';
import { findModel } from '../domain/models';

/** What submitting an async job returns to the workflow. */
export interface SubmittedJob {
  provider: string;
  handle: JobHandle;
}

/** Dependencies of the job activities. */
export interface JobActivityDeps {
  providers: ProviderRegistry;
  progress: StepProgress;
  media: CheckedMediaLibrary;
  /** Public base URL of the API, for provider callbacks; without it, async jobs are polled only. */
  callbackBaseUrl?: string;
  /** The media kind a step's node makes (its result is checked against it); unknown: not checked. */
  mediaKindOf?: (executionId: string, stepId: string) => Promise<MediaKind | undefined>;
  /** Where a job activity's wait for our own outage is logged. */
  warn?: (message: string, err: unknown) => void;
  /** VENDOR_CONCURRENCY and vendor pauses after a 429, shared by every worker. */
  capacity?: VendorCapacity;
  /** Deadlines of jobs priced per second (cancelled at the vendor past them). */
  budgets?: JobBudgets;
  /** Captures a held step's usage from its hold. */
  captureUsage?: UsageCapture;
  /** The catalog model of a step (from its run's plan), for per-second capture. */
  modelOf?: (executionId: string, stepId: string) => Promise<string | undefined>;
}

/** Builds the job activities. */
export function createJobActivities({ providers, progress, media, callbackBaseUrl, mediaKindOf, capacity, budgets, captureUsage, modelOf, warn = () => undefined }: JobActivityDeps) {
  /**
   * Runs `work` with the activity's cancellation signal, turning errors into typed failures. Every
   * job activity is safe to repeat (a submit resumes its recorded job; poll, cancel and collect
   * change nothing twice), so an outage of our own database or media store is waited out here
   * (see ourOutage.ts) instead of spending the step's retry policy.
   */
  async function guarded<T>(work: (signal: AbortSignal, attempt: number, firstScheduledAt: number) => Promise<T>): Promise<T> {
    const context = Context.current();
    let waitingFor: OutageWait | undefined;
    const beat = () => context.heartbeat(waitingFor ? { waitingFor } : undefined);
    const outage: OutageObserver = {
      waiting(wait) {
        if (!waitingFor) warn(`a job activity (${context.info.activityType}) waits for our ${wait.resource}; it goes on when it is back`, wait.lastError);
        waitingFor = wait;
        beat();
      },
      recovered(wait) {
        warn(`a job activity (${context.info.activityType}): our ${wait.resource} is back after ${wait.retries} tries`, wait.lastError);
        waitingFor = undefined;
        beat();
      },
    };
    // Downloads of large results take a while: heartbeats keep them alive and let cancellation in.
    const heartbeat = setInterval(beat, 1_000);
    try {
      return await rideOutOurOutage(context.info.activityType, () => work(context.cancellationSignal, context.info.attempt, context.info.scheduledTimestampMs), context.cancellationSignal, outage);
    } catch (err) {
      throw toFailure(err, context.info.attempt);
    } finally {
      clearInterval(heartbeat);
    }
  }

  return {
    /**
     * Submits the step's job. The idempotency key comes from execution and step, so a retried
     * submit (a new activity attempt) finds the job the first attempt started instead of a second.
     * Each submit's callback URL is the step's, marked with the attempt (`&submit=<n>`): every job
     * the engine creates for the step names the step when it calls back or is listed.
     */
    async submitJob(input: ProviderStepInput): Promise<SubmittedJob> {
      return guarded(async (signal, attempt, firstScheduledAt) => {
        const model = requireModel(input);
        if (!input.media || model.kind === 'text') throw new ProviderError('InvalidConfig', `Step "${input.stepId}" does not make media.`);
        const jobKey = jobKeyOf(input.executionId, input.stepId);
        await progress.attemptStarted(input.executionId, input.stepId, attempt);
        // A slot of the vendor account (VENDOR_CONCURRENCY) before anything is sent; the step shows the wait.
        const context = Context.current();
        await capacity?.acquire({ executionId: input.executionId, stepId: input.stepId, leaseKey: jobKey, vendor: model.provider }, signal, () => context.heartbeat());
        const token = await progress.waitingFor(input.executionId, input.stepId, {
          provider: model.provider,
          jobKey,
          callbackToken: randomBytes(24).toString('base64url'),
        });
        const stepCallbackUrl = callbackBaseUrl
          ? `${callbackBaseUrl}/api/providers/callbacks/${encodeURIComponent(input.executionId)}/${encodeURIComponent(input.stepId)}?token=${token}`
          : undefined;
        let handle: JobHandle;
        try {
          handle = await providers.jobs(model.provider).submit({
            ...baseCall(input, model.id, attempt, signal),
            kind: input.media.kind,
            params: input.config,
            media: mediaSink(media, input.executionId),
            idempotencyKey: jobKey,
            executionId: input.executionId,
            firstSubmitAt: firstScheduledAt,
            ...(stepCallbackUrl ? { callbackUrl: `${stepCallbackUrl}&submit=${attempt}`, stepCallbackUrl } : {}),
          });
        } catch (err) {
          await capacity?.submitFailed(jobKey, model.provider, err);
          throw err;
        }
        // The slot stays taken while the job runs: at most the step's timeout (this activity's start-to-close).
        await capacity?.submitted(jobKey, model.provider, context.info.startToCloseTimeoutMs);
        // Priced per second: the hold pays for maxSeconds of run time, counted from the accepted submit.
        if (model.usage?.unit === 'seconds') await budgets?.started(jobKey, Date.now() + model.usage.maxSeconds * 1000);
        return { provider: model.provider, handle };
      });
    },

    /**
     * Asks the provider where a job stands (the fallback when no callback comes). An output that
     * came inline (`data:` URI) is stored here: the activity's result carries a reference, never bytes.
     */
    async pollJob(input: { executionId: string; stepId: string; provider: string; job: JobHandle }): Promise<JobState> {
      return guarded(async (signal) => {
        const sink = mediaSink(media, input.executionId, signal);
        const state = await providers.jobs(input.provider).poll(input.job, { signal, media: sink });
        if (state.status !== 'running') await capacity?.release(jobKeyOf(input.executionId, input.stepId));
        if (state.status === 'failed' && (await budgets?.exceeded(jobKeyOf(input.executionId, input.stepId)))) return { status: 'failed', error: budgetFailure(input.stepId) };
        return state.status === 'succeeded' ? { status: 'succeeded', result: await storeInlineData(state.result, sink) } : state;
      });
    },

    /** Stops a job at the provider when its run is cancelled (best effort). */
    async cancelJob(input: { provider: string; job: JobHandle }): Promise<void> {
      // The slot is given back when the run ends (the mirror); the job key is not in this (recorded) input.
      return guarded((signal) => providers.jobs(input.provider).cancel(input.job, signal));
    },

    /**
     * Turns a finished job's result into the step's media reference (downloading a vendor URL into
     * the store), checked by its bytes to be media of the step's kind (MediaKindMismatch otherwise).
     */
    async collectMedia(input: { executionId: string; stepId: string; result: MediaResult }): Promise<StoredMediaRef> {
      return guarded(async (signal) => {
        // The job is over whichever way its result came (callback or poll): its vendor slot is free.
        await capacity?.release(jobKeyOf(input.executionId, input.stepId));
        const kind = await mediaKindOf?.(input.executionId, input.stepId);
        const ref = await storeResult(media, input.executionId, input.result, signal, kind);
        // A per-second priced job captures the vendor's run time (or the whole hold when it reports none).
        const modelId = await modelOf?.(input.executionId, input.stepId);
        const model = modelId ? findModel(modelId) : undefined;
        if (model) await captureUsage?.(input.executionId, input.stepId, shareOf(model, input.result.usage));
        return ref;
      });
    },
  };
}
