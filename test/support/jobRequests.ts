// Building job requests for vendor adapter tests, and polling a job to its end.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobHandle, JobProvider, JobState, JobSubmitRequest, MediaSink } from '../../src/providers/types';

/** A sink for adapters that must not store anything themselves (vendors answer URLs; the job path downloads). */
export const noStore: MediaSink = {
  save: () => Promise.reject(new Error('this adapter must not store media itself')),
  download: () => Promise.reject(new Error('this adapter must not download media itself')),
};

/** A submit request for `model` with a fresh idempotency key unless one is given. */
export function jobRequest(model: string, overrides: Partial<JobSubmitRequest> = {}): JobSubmitRequest {
  return {
    model,
    kind: 'image',
    prompt: 'a lighthouse at dusk',
    params: {},
    config: {},
    attempt: 1,
    signal: new AbortController().signal,
    media: noStore,
    idempotencyKey: `ex_${randomUUID()}:step:1`,
    executionId: 'ex_test',
    ...overrides,
  };
}

/** Polls until the job is no longer running. */
export async function pollToEnd(provider: JobProvider, job: JobHandle, withinMs = 10_000): Promise<Exclude<JobState, { status: 'running' }>> {
  for (const deadline = Date.now() + withinMs; Date.now() < deadline; await sleep(20)) {
    const state = await provider.poll(job, { media: noStore, signal: new AbortController().signal });
    if (state.status !== 'running') return state;
  }
  throw new Error(`job ${job.jobId} still running`);
}
