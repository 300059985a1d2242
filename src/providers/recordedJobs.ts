// No second vendor job for one step. Provider activities are at-least-once: a worker that dies
// mid-step has its activity retried elsewhere. Vendors without an idempotency header (Replicate
// and fal document none) would start, and bill, a second job. So the vendor's job id is recorded
// (provider_jobs, by the engine's idempotency key) the moment the vendor accepts the submit, and
// a retried submit with the same key resumes the recorded job instead of submitting again.
import type { Db } from '../db/client';
import type { JobHandle, JobProvider, JobSubmitRequest } from './types';

/** Where submitted jobs are recorded. */
export interface JobRecords {
  find(idempotencyKey: string): Promise<JobHandle | undefined>;
  /** Records the job; when one is already recorded for the key (a concurrent attempt won), returns that one. */
  record(idempotencyKey: string, provider: string, job: JobHandle): Promise<JobHandle>;
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
  };
}

function handleOf(row: { jobId: string; data: unknown }): JobHandle {
  return { jobId: row.jobId, ...(row.data && typeof row.data === 'object' ? { data: row.data as Record<string, string> } : {}) };
}

/** Wraps a vendor job provider so that submits are idempotent by key, whatever the vendor offers. */
export function recordedJobs(provider: JobProvider, records: JobRecords): JobProvider {
  return {
    id: provider.id,
    async submit(request: JobSubmitRequest): Promise<JobHandle> {
      const recorded = await records.find(request.idempotencyKey);
      if (recorded) return recorded;
      const job = await provider.submit(request);
      // Not under request.signal: once the vendor accepted, the id must be kept even if the step is being cancelled.
      return records.record(request.idempotencyKey, provider.id, job);
    },
    poll: (job, request) => provider.poll(job, request),
    cancel: (job, signal) => provider.cancel(job, signal),
    parseCallback: (callback) => provider.parseCallback(callback),
  };
}
