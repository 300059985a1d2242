// The sandbox's async media jobs (test mode): a job renders its file into the media store after a
// delay, then calls back, or stays silent (`config.sandbox.callback: false`) so only polling finishes
// it. Submits are idempotent by key, and counted, so tests can prove a retried submit started no job.
// Jobs live in a SandboxJobStore (Postgres for workers), like a vendor's: a worker replaced while runs
// wait loses none; the next poll, or any worker's sweeper, finishes the job and delivers its callback.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { storedMediaRefSchema } from '../contract/media';
import { ProviderError } from './errors';
import type { MediaLibrary } from '../media/types';
import { renderInto, renderRequest } from './sandbox';
import { memorySandboxJobs, type SandboxJobRow, type SandboxJobStore } from './sandboxJobs';
import type { JobHandle, JobProvider, JobState, JobSubmitRequest, MediaKind, MediaRequest, MediaSink, ProviderCallback } from './types';

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

/** What the sandbox POSTs to its callback URL: the job and its final state, a stored reference on success. */
export const sandboxCallbackSchema = z.discriminatedUnion('status', [
  z.object({ jobId: z.string().min(1).max(200), status: z.literal('succeeded'), result: z.object({ type: z.literal('stored'), ref: storedMediaRefSchema }) }),
  z.object({ jobId: z.string().min(1).max(200), status: z.literal('failed'), error: z.object({ type: z.string().max(100), message: z.string().max(2000) }) }),
]);

/** Options of {@link SandboxMediaProvider}. */
export interface SandboxMediaOptions {
  /** Default job length when `config.sandbox.delayMs` is not set (200 ms). */
  delayMs?: number;
  /** Where jobs live: Postgres for workers (any worker finishes any job), memory by default. */
  jobs?: SandboxJobStore;
  /**
   * Stores a job's file for its execution when the worker that started the job is gone. With it,
   * {@link SandboxMediaProvider.startSweeper} finishes due jobs and owed callbacks of any worker.
   */
  library?: Pick<MediaLibrary, 'save'>;
}

/** How long a worker may take to finish a job or deliver its callback before another worker takes over. */
const LEASE_MS = 60_000;

/** Async jobs whose results are real files rendered by the sandbox into the media store. */
export class SandboxMediaProvider implements JobProvider {
  readonly id = 'sandbox';
  /** Jobs started by this process (not submits: a repeated key starts none). */
  jobsStarted = 0;
  /** Polls answered. */
  polls = 0;
  /** Callbacks delivered (2xx answers). */
  callbacksDelivered = 0;
  /** Jobs cancelled at the provider. */
  cancels = 0;
  private readonly jobs: SandboxJobStore;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly options: SandboxMediaOptions = {}) {
    this.jobs = options.jobs ?? memorySandboxJobs();
  }

  async submit(request: JobSubmitRequest): Promise<JobHandle> {
    const knobs = (request.config.sandbox ?? {}) as SandboxMediaKnobs;
    if (knobs.delayMs !== undefined && (typeof knobs.delayMs !== 'number' || knobs.delayMs < 0)) {
      throw new ProviderError('InvalidConfig', 'sandbox.delayMs must be a non-negative number');
    }
    const render = renderRequest(request.prompt, request.params);
    const delay = knobs.delayMs ?? this.options.delayMs ?? 200;
    const id = `sbjob_${randomUUID()}`;
    const job = await this.jobs.insert({
      id,
      idempotencyKey: request.idempotencyKey,
      executionId: request.executionId,
      kind: request.kind,
      prompt: request.prompt,
      spec: {
        render,
        knobs: { ...(knobs.callback === false ? { callback: false } : {}), ...(knobs.jobFails ? { jobFails: true } : {}), ...(knobs.callbackDelayMs ? { callbackDelayMs: knobs.callbackDelayMs } : {}) },
      },
      callbackUrl: request.callbackUrl ?? null,
      dueAt: new Date(Date.now() + delay),
    });
    if (job.id === id) {
      this.jobsStarted += 1;
      setTimeout(() => void this.work(id, request.media, true).catch(() => undefined), delay).unref();
    }
    // Simulates losing the answer after the job started: the retry must find this job by its key.
    if (knobs.failFirstSubmits && request.attempt <= knobs.failFirstSubmits) {
      throw new ProviderError('ProviderUnavailable', `sandbox: submit answer lost on attempt ${request.attempt} (simulated)`);
    }
    return { jobId: job.id };
  }

  async poll(job: JobHandle, request: Pick<MediaRequest, 'media' | 'signal'>): Promise<JobState> {
    this.polls += 1;
    let found = await this.jobs.get(job.jobId);
    if (!found) throw new ProviderError('ProviderRejected', `sandbox: no job ${job.jobId}`, { status: 404 });
    // A due job whose worker is gone is finished by the poll (its callback stays owed to the sweeper).
    if (found.status === 'running' && found.dueAt.getTime() <= Date.now()) {
      await this.work(found.id, request.media, false);
      found = (await this.jobs.get(job.jobId))!;
    }
    return found.status === 'running' || !found.state ? { status: 'running' } : found.state;
  }

  async cancel(job: JobHandle): Promise<void> {
    if (await this.jobs.settle(job.jobId, { status: 'failed', error: { type: 'Cancelled', message: 'sandbox: the job was cancelled' } }, false)) this.cancels += 1;
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

  /**
   * Every `intervalMs`, finishes the due jobs and delivers the owed callbacks of jobs whose worker is
   * gone (needs `library`). Returns a stop function; {@link close} stops it too.
   */
  startSweeper(intervalMs = 1_000): () => void {
    const library = this.options.library;
    if (!library || this.sweeper) return () => this.close();
    let sweeping = false;
    this.sweeper = setInterval(() => {
      if (sweeping) return;
      sweeping = true;
      void this.sweep(library)
        .catch(() => undefined)
        .finally(() => (sweeping = false));
    }, intervalMs).unref();
    return () => this.close();
  }

  /** Stops the sweeper. Jobs stay where they are: another worker finishes them. */
  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private async sweep(library: Pick<MediaLibrary, 'save'>): Promise<void> {
    for (const id of await this.jobs.due(10)) {
      await this.work(id, (job) => ({ save: (body, meta) => library.save(body, meta, { executionId: job.executionId }) }), true);
    }
  }

  /** Finishes a due job (renders its file, or fails it) and, when `deliver`, calls back; claimed, so once. */
  private async work(id: string, media: Pick<MediaSink, 'save'> | ((job: SandboxJobRow) => Pick<MediaSink, 'save'>), deliver: boolean): Promise<void> {
    const claim = await this.jobs.claim(id, LEASE_MS);
    if (!claim) return;
    try {
      let job = claim.row;
      if (job.status === 'running') {
        const state = await this.finish(job, typeof media === 'function' ? media(job) : media);
        const owed = job.callbackUrl !== null && job.spec.knobs.callback !== false;
        // False when the job was cancelled while its file was rendered: nothing is owed then.
        if (!(await this.jobs.settle(id, state, owed))) return;
        job = { ...job, status: state.status, state, callbackPending: owed };
      }
      if (deliver && job.callbackPending && job.state && job.callbackUrl) {
        await this.callBack(job.callbackUrl, job.id, job.state, job.spec.knobs);
        await this.jobs.callbackDone(id);
      }
    } finally {
      await claim.release();
    }
  }

  private async finish(job: SandboxJobRow, media: Pick<MediaSink, 'save'>): Promise<Exclude<JobState, { status: 'running' }>> {
    if (job.spec.knobs.jobFails) return { status: 'failed', error: { type: 'ProviderJobFailed', message: 'sandbox: the media job failed (simulated)' } };
    try {
      const ref = await renderInto({ kind: job.kind as MediaKind, media }, job.spec.render);
      return { status: 'succeeded', result: { type: 'stored', ref } };
    } catch (err) {
      return { status: 'failed', error: { type: 'ProviderJobFailed', message: `sandbox: storing the result failed (${(err as Error).message})` } };
    }
  }

  private async callBack(url: string, jobId: string, state: JobState, knobs: Record<string, unknown>): Promise<void> {
    const delay = typeof knobs.callbackDelayMs === 'number' ? knobs.callbackDelayMs : 0;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay).unref());
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jobId, ...state }) });
      if (response.ok) this.callbacksDelivered += 1;
    } catch {
      // A lost callback is what polling is for.
    }
  }
}
