// The sandbox's async media jobs (test mode): a job renders its file into the media store after a
// delay, then calls back, or stays silent (`config.sandbox.callback: false`) so only polling finishes
// it. Submits are idempotent by key, and counted, so tests can prove a retried submit started no job.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { storedMediaRefSchema } from '../media/refSchema';
import { ProviderError } from './errors';
import { renderInto, renderRequest } from './sandbox';
import type { JobHandle, JobProvider, JobState, JobSubmitRequest, ProviderCallback } from './types';

/** `config.sandbox` knobs of async media jobs. */
interface SandboxMediaKnobs {
  /** How long the job runs (default 200 ms). */
  delayMs?: number;
  /** false: never call back, so only polling finishes the job. */
  callback?: boolean;
  /** The job ends failed. */
  jobFails?: boolean;
  /** Delay the callback after the job finished. */
  callbackDelayMs?: number;
  /** Submits of attempts 1..n start the job but fail to answer. */
  failFirstSubmits?: number;
}

interface Job {
  id: string;
  state: JobState;
}

/** What the sandbox POSTs to its callback URL: the job and its final state, a stored reference on success. */
export const sandboxCallbackSchema = z.discriminatedUnion('status', [
  z.object({ jobId: z.string().min(1).max(200), status: z.literal('succeeded'), result: z.object({ type: z.literal('stored'), ref: storedMediaRefSchema }) }),
  z.object({ jobId: z.string().min(1).max(200), status: z.literal('failed'), error: z.object({ type: z.string().max(100), message: z.string().max(2000) }) }),
]);

/** Async jobs whose results are real files rendered by the sandbox into the media store. */
export class SandboxMediaProvider implements JobProvider {
  readonly id = 'sandbox';
  /** Jobs started (not submits: a repeated key starts none). */
  jobsStarted = 0;
  /** Polls answered. */
  polls = 0;
  /** Callbacks delivered (2xx answers). */
  callbacksDelivered = 0;
  /** Jobs cancelled at the provider. */
  cancels = 0;
  private readonly byKey = new Map<string, Job>();
  private readonly byId = new Map<string, Job>();

  constructor(private readonly defaults: { delayMs?: number } = {}) {}

  async submit(request: JobSubmitRequest): Promise<JobHandle> {
    const knobs = (request.config.sandbox ?? {}) as SandboxMediaKnobs;
    const existing = this.byKey.get(request.idempotencyKey);
    if (existing) return { jobId: existing.id };
    const job = this.start(request, knobs);
    // Simulates losing the answer after the job started: the retry must find this job by its key.
    if (knobs.failFirstSubmits && request.attempt <= knobs.failFirstSubmits) {
      throw new ProviderError('ProviderUnavailable', `sandbox: submit answer lost on attempt ${request.attempt} (simulated)`);
    }
    return { jobId: job.id };
  }

  private start(request: JobSubmitRequest, knobs: SandboxMediaKnobs): Job {
    if (knobs.delayMs !== undefined && (typeof knobs.delayMs !== 'number' || knobs.delayMs < 0)) {
      throw new ProviderError('InvalidConfig', 'sandbox.delayMs must be a non-negative number');
    }
    const render = renderRequest(request.prompt, request.params);
    const job: Job = { id: `sbjob_${randomUUID()}`, state: { status: 'running' } };
    this.byKey.set(request.idempotencyKey, job);
    this.byId.set(job.id, job);
    this.jobsStarted += 1;
    const delay = knobs.delayMs ?? this.defaults.delayMs ?? 200;
    setTimeout(() => void this.finish(job, request, knobs, render), delay).unref();
    return job;
  }

  async poll(job: JobHandle): Promise<JobState> {
    this.polls += 1;
    const found = this.byId.get(job.jobId);
    if (!found) throw new ProviderError('ProviderRejected', `sandbox: no job ${job.jobId}`, { status: 404 });
    return found.state;
  }

  async cancel(job: JobHandle): Promise<void> {
    const found = this.byId.get(job.jobId);
    if (found?.state.status !== 'running') return;
    this.cancels += 1;
    found.state = { status: 'failed', error: { type: 'Cancelled', message: 'sandbox: the job was cancelled' } };
  }

  async parseCallback(callback: ProviderCallback): Promise<{ jobId: string; state: Exclude<JobState, { status: 'running' }> }> {
    let body: unknown;
    try {
      body = JSON.parse(callback.rawBody.toString('utf8'));
    } catch {
      throw new ProviderError('ProviderRejected', 'sandbox: the callback body is not JSON');
    }
    const parsed = sandboxCallbackSchema.safeParse(body);
    if (!parsed.success) throw new ProviderError('ProviderRejected', `sandbox: invalid callback body (${parsed.error.issues[0]?.message ?? 'invalid'})`);
    const { jobId, ...state } = parsed.data;
    return { jobId, state };
  }

  private async finish(job: Job, request: JobSubmitRequest, knobs: SandboxMediaKnobs, render: ReturnType<typeof renderRequest>): Promise<void> {
    if (job.state.status !== 'running') return;
    if (knobs.jobFails) {
      job.state = { status: 'failed', error: { type: 'ProviderJobFailed', message: 'sandbox: the media job failed (simulated)' } };
    } else {
      try {
        const ref = await renderInto(request, render);
        if (job.state.status !== 'running') return;
        job.state = { status: 'succeeded', result: { type: 'stored', ref } };
      } catch (err) {
        job.state = { status: 'failed', error: { type: 'ProviderJobFailed', message: `sandbox: storing the result failed (${(err as Error).message})` } };
      }
    }
    if (request.callbackUrl && knobs.callback !== false) {
      if (knobs.callbackDelayMs) await new Promise((resolve) => setTimeout(resolve, knobs.callbackDelayMs).unref());
      try {
        const response = await fetch(request.callbackUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jobId: job.id, ...job.state }),
        });
        if (response.ok) this.callbacksDelivered += 1;
      } catch {
        // A lost callback is what polling is for.
      }
    }
  }
}
