// The sandbox's async media provider (test mode): jobs finish after a delay; the provider then
// calls back, or stays silent (`config.sandbox.callback: false`) so only polling can finish them.
// Submits are idempotent by key, and counted, so tests can prove a retried submit started no job.
import { createHash, randomUUID } from 'node:crypto';
import { ProviderError } from './errors';
import type { SandboxProvider } from './sandbox';
import type { MediaJobRequest, MediaJobState, LegacyVideoJobProvider } from './types';

const FRAMES = 4;

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
  state: MediaJobState;
}

/** Async "video" jobs whose results are real PNG storyboards from the sandbox image generator. */
export class SandboxMediaProvider implements LegacyVideoJobProvider {
  readonly id = 'sandbox';
  /** Jobs started (not submits: a repeated key starts none). */
  jobsStarted = 0;
  /** Polls answered. */
  polls = 0;
  /** Callbacks delivered (2xx answers). */
  callbacksDelivered = 0;
  private readonly byKey = new Map<string, Job>();
  private readonly byId = new Map<string, Job>();

  constructor(
    private readonly images: SandboxProvider,
    private readonly defaults: { delayMs?: number } = {},
  ) {}

  async submit(request: MediaJobRequest): Promise<{ jobId: string }> {
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

  private start(request: MediaJobRequest, knobs: SandboxMediaKnobs): Job {
    if (knobs.delayMs !== undefined && (typeof knobs.delayMs !== 'number' || knobs.delayMs < 0)) {
      throw new ProviderError('InvalidConfig', 'sandbox.delayMs must be a non-negative number');
    }
    const job: Job = { id: `sbjob_${randomUUID()}`, state: { status: 'running' } };
    this.byKey.set(request.idempotencyKey, job);
    this.byId.set(job.id, job);
    this.jobsStarted += 1;
    const delay = knobs.delayMs ?? this.defaults.delayMs ?? 200;
    setTimeout(() => void this.finish(job, request, knobs), delay).unref();
    return job;
  }

  async poll(jobId: string): Promise<MediaJobState> {
    this.polls += 1;
    const job = this.byId.get(jobId);
    if (!job) throw new ProviderError('ProviderRejected', `sandbox: no job ${jobId}`, { status: 404 });
    return job.state;
  }

  private async finish(job: Job, request: MediaJobRequest, knobs: SandboxMediaKnobs): Promise<void> {
    if (knobs.jobFails) {
      job.state = { status: 'failed', error: { type: 'ProviderJobFailed', message: 'sandbox: the media job failed (simulated)' } };
    } else {
      const strip = await this.images.generateImage({
        model: 'sandbox-image',
        prompt: request.prompt,
        width: 64 * FRAMES,
        height: 64,
        config: {},
        attempt: 1,
        signal: new AbortController().signal,
      });
      job.state = {
        status: 'succeeded',
        result: {
          mimeType: strip.mimeType,
          dataUrl: strip.dataUrl,
          frames: FRAMES,
          durationMs: FRAMES * 250,
          sha256: createHash('sha256').update(strip.dataUrl).digest('hex'),
          sandbox: true,
        },
      };
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
