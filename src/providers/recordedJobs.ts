// No second vendor job for one step. Provider activities are at-least-once, and Replicate and fal
// document no idempotency header: a retried create would start, and bill, a second job. So:
// - the vendor's job id is recorded (provider_jobs, by the step's idempotency key) the moment the
//   vendor accepts the submit, and a retried submit resumes the recorded job;
// - a retried submit first looks, where the vendor lists jobs, for the job a lost answer created
//   (every job of a step carries the step's callback URL);
// - the create runs to its answer even when the step is cancelled meanwhile (under its own bounded
//   signal), so its job is known, then cancelled at the vendor: stop means stop;
// - a job that loses the race to be the step's job (a zombie attempt, a lost answer the retry did
//   not find) is cancelled at the vendor, from the submit or from its first verified webhook.
// Every job that is not the step's own is recorded too, under `<key>#<job id>` with its outcome.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../db/client';
import { ProviderError, abortError } from './errors';
import type { CallbackJob, CallbackJobVerdict, JobHandle, JobProvider, JobSubmitRequest } from './types';

/** The idempotency key of a step's job (one job per step and execution). */
export function jobKeyOf(executionId: string, stepId: string): string {
  return `${executionId}:${stepId}:1`;
}

/** Where submitted jobs are recorded. */
export interface JobRecords {
  find(idempotencyKey: string): Promise<JobHandle | undefined>;
  /** Records the job; when one is already recorded for the key (a concurrent attempt won), returns that one. */
  record(idempotencyKey: string, provider: string, job: JobHandle): Promise<JobHandle>;
  /** Records a job that is not the step's own (an orphan, an abandoned one) with what became of it; false when it was already recorded. */
  recordOther(idempotencyKey: string, provider: string, job: JobHandle, outcome: string): Promise<boolean>;
}

/** Job records in Postgres (`provider_jobs`). */
export function dbJobRecords(db: Db): JobRecords {
  return {
    async find(idempotencyKey) {
      const row = await db.providerJob.findUnique({ where: { idempotencyKey } });
      return row ? handleOf(row) : undefined;
    },
    async record(idempotencyKey, provider, job) {
      await db.providerJob.createMany({
        data: [{ idempotencyKey, provider, jobId: job.jobId, ...(job.data ? { data: job.data } : {}) }],
        skipDuplicates: true,
      });
      const row = await db.providerJob.findUniqueOrThrow({ where: { idempotencyKey } });
      return handleOf(row);
    },
    async recordOther(idempotencyKey, provider, job, outcome) {
      const { count } = await db.providerJob.createMany({
        data: [{ idempotencyKey: `${idempotencyKey}#${job.jobId}`, provider, jobId: job.jobId, data: { ...job.data, outcome } }],
        skipDuplicates: true,
      });
      return count > 0;
    },
  };
}

function handleOf(row: { jobId: string; data: unknown }): JobHandle {
  return { jobId: row.jobId, ...(row.data && typeof row.data === 'object' ? { data: row.data as Record<string, string> } : {}) };
}

/** Timing of the wrapper (tests shorten them). */
export interface RecordedJobsOptions {
  /** How long a create may run once the step was cancelled, to learn its job id (default 30 s). */
  createTimeoutMs?: number;
  /** Tries of the provider_jobs insert before the new job is cancelled and the submit fails (default 5). */
  recordTries?: number;
  /** Cancel calls to the vendor run under this timeout (default 15 s). */
  cancelTimeoutMs?: number;
  /** Hears each job's outcome (`builder_vendor_jobs_total{vendor,outcome}`). */
  onOutcome?: (vendor: string, outcome: VendorJobOutcome) => void;
}

/** What became of a vendor job, as counted. */
export type VendorJobOutcome = 'created' | 'resumed' | 'orphan_cancelled' | 'orphan_ended' | 'abandoned_cancelled';

/** Wraps a vendor job provider so that each step leaves at most one job running to its end. */
export function recordedJobs(provider: JobProvider, records: JobRecords, options: RecordedJobsOptions = {}): JobProvider {
  const createTimeoutMs = options.createTimeoutMs ?? 30_000;
  const recordTries = options.recordTries ?? 5;
  const cancelTimeoutMs = options.cancelTimeoutMs ?? 15_000;
  const count = (outcome: VendorJobOutcome) => options.onOutcome?.(provider.id, outcome);

  /** Cancels a job that is not (or no longer) the step's, and records it; never throws. */
  async function stop(key: string, job: JobHandle, outcome: 'orphan_cancelled' | 'abandoned_cancelled' | 'orphan_ended', running = true): Promise<void> {
    if (running) await provider.cancel(job, AbortSignal.timeout(cancelTimeoutMs)).catch(() => undefined);
    // Counted once per job, however many paths (submit, webhook) learn of it.
    if (await records.recordOther(key, provider.id, job, outcome).catch(() => true)) count(outcome);
  }

  /** Records the job as the step's, retrying the insert; a job it cannot record is cancelled rather than left to a blind resubmit. */
  async function keep(request: JobSubmitRequest, job: JobHandle): Promise<JobHandle> {
    for (let attempt = 1; ; attempt++) {
      try {
        const winner = await records.record(request.idempotencyKey, provider.id, job);
        if (winner.jobId !== job.jobId) {
          // A concurrent attempt (or the job's own webhook, for another job) recorded first.
          await stop(request.idempotencyKey, job, 'orphan_cancelled');
          count('resumed');
        }
        return winner;
      } catch (err) {
        if (attempt >= recordTries) {
          await provider.cancel(job, AbortSignal.timeout(cancelTimeoutMs)).catch(() => undefined);
          count('abandoned_cancelled');
          throw new ProviderError('ProviderUnavailable', `${provider.id}: job ${job.jobId} could not be recorded (${(err as Error).message}); it was cancelled at the vendor`, { provider: provider.id });
        }
        await sleep(Math.min(200 * 2 ** (attempt - 1), 2_000));
      }
    }
  }

  return {
    id: provider.id,
    async submit(request: JobSubmitRequest): Promise<JobHandle> {
      const key = request.idempotencyKey;
      const recorded = await records.find(key);
      if (recorded) {
        count('resumed');
        return recorded;
      }
      if (request.signal.aborted) throw abortError(request.signal);
      // A retried submit: the answer to an earlier create may have been lost after the vendor accepted it.
      if (request.attempt > 1 && provider.findSubmitted) {
        const found = await provider.findSubmitted(request);
        if (found?.running) {
          const winner = await keep(request, found.job);
          if (winner.jobId === found.job.jobId) count('resumed');
          return winner;
        }
      }
      // The create is not aborted with the step: once sent, its answer is the only sure way to
      // learn the job's id, and a job whose id is unknown cannot be cancelled. When the step stops
      // meanwhile, a job its `start` webhook already made the step's (judgeCallback) is cancelled
      // at once, and whatever the create answers is cancelled when it answers.
      let stoppedEarly: Promise<string | undefined> | undefined;
      const onAbort = () => {
        stoppedEarly = records.find(key).then(
          async (claimed) => (claimed ? (await stop(key, claimed, 'abandoned_cancelled'), claimed.jobId) : undefined),
          () => undefined,
        );
      };
      request.signal.addEventListener('abort', onAbort, { once: true });
      let job: JobHandle;
      try {
        job = await provider.submit({ ...request, signal: AbortSignal.timeout(createTimeoutMs) });
      } catch (err) {
        if (!request.signal.aborted) throw err;
        await stoppedEarly;
        throw abortError(request.signal);
      } finally {
        request.signal.removeEventListener('abort', onAbort);
      }
      if (request.signal.aborted) {
        if ((await stoppedEarly) !== job.jobId) await stop(key, job, 'abandoned_cancelled');
        throw abortError(request.signal);
      }
      const winner = await keep(request, job);
      if (winner.jobId === job.jobId) count('created');
      if (request.signal.aborted) {
        // Cancelled while recording: the recorded job is the step's, and the step stopped.
        await provider.cancel(winner, AbortSignal.timeout(cancelTimeoutMs)).catch(() => undefined);
        throw abortError(request.signal);
      }
      return winner;
    },
    poll: (job, request) => provider.poll(job, request),
    cancel: (job, signal) => provider.cancel(job, signal),
    parseCallback: (callback, handle) => provider.parseCallback(callback, handle),
    recorded: (key) => records.find(key),

    async judgeCallback({ idempotencyKey, job, running, stepStopped }: CallbackJob): Promise<CallbackJobVerdict> {
      let recorded = await records.find(idempotencyKey);
      const withData = (handle: JobHandle): JobHandle => (recorded?.data && !handle.data ? { ...handle, data: recorded.data } : handle);
      if (!recorded) {
        if (stepStopped) {
          await stop(idempotencyKey, job, running ? 'abandoned_cancelled' : 'orphan_ended', running);
          return running ? 'abandoned_cancelled' : 'orphan_ended';
        }
        // The first verified job of a waiting step whose submit has not recorded one (its answer
        // was lost, or has not come yet): it becomes the step's job, running or already ended
        // (fal calls back only at the end), and the retried submit resumes it.
        recorded = await records.record(idempotencyKey, provider.id, job);
      }
      if (recorded.jobId === job.jobId) {
        if (stepStopped && running) {
          await stop(idempotencyKey, withData(job), 'abandoned_cancelled');
          return 'abandoned_cancelled';
        }
        return 'live';
      }
      const verdict = running ? 'orphan_cancelled' : 'orphan_ended';
      await stop(idempotencyKey, withData(job), verdict, running);
      return verdict;
    },
  };
}
