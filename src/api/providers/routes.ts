// Provider callbacks: an async provider POSTs a job's result here, authenticated by the per-job
// token in the URL it was given; the result resumes the waiting step through a workflow signal.
// A vendor's verified callback also tells which of the step's jobs it speaks of: a second job of
// the step (a lost create answer, a zombie attempt) or a job of a step that stopped is cancelled at
// the vendor right here and recorded. An inline (`data:` URI) output is stored here: the signal
// carries a reference, never the bytes.
import Router from '@koa/router';
import { WorkflowNotFoundError } from '@temporalio/client';
import { budgetExceeded, budgetFailure } from '../../activities/jobBudgets';
import { storeInlineData } from '../../activities/mediaSink';
import { releaseLease } from '../../db/vendorCapacity';
import { isTerminalStepStatus } from '../../domain/statuses';
import { createMediaLibrary } from '../../media/library';
import { CallbackRejected, ProviderError } from '../../providers/errors';
import { jobKeyOf } from '../../providers/recordedJobs';
import type { JobHandle, JobProvider, JobState } from '../../providers/types';
import { mediaResultSignal, type MediaResultSignal } from '../../workflows/messages';
import type { ApiDeps, AppContext, AppState } from '../context';
import { sameSecret } from '../secrets';
import { HttpError, notFound } from '../errors';
import { z } from 'zod';
import { errorResponse } from '../openapi/common';
import { describeRoute } from '../openapi/registry';
import { callbackBodySchema, callbackResponseSchema, type CallbackResponse } from '../../contract/providers';

describeRoute({
  method: 'post', path: '/api/providers/callbacks/:executionId/:stepId', summary: 'Async provider result callback', tags: ['Providers'],
  auth: { description: 'The per-job token in `?token=`, from the callback URL given to the provider.' },
  params: z.object({ executionId: z.string(), stepId: z.string() }),
  query: z.object({ token: z.string() }),
  body: callbackBodySchema,
  responses: {
    202: { description: 'Delivered to the waiting step (`accepted: true`).', body: callbackResponseSchema },
    200: { description: 'Acknowledged but ignored (`accepted: false`): the step no longer waits (a late or repeated callback), the run ended, or a progress event.', body: callbackResponseSchema },
    400: errorResponse('INVALID_REQUEST.'),
    401: errorResponse(
      'INVALID_CALLBACK_TOKEN; for vendors that sign callbacks (Replicate, fal): CALLBACK_SIGNATURE_MISSING, CALLBACK_SIGNATURE_INVALID, ' +
        'CALLBACK_SIGNATURE_STALE (timestamp more than 5 minutes off), CALLBACK_VERIFICATION_UNAVAILABLE (no secret or keys to verify with), or INVALID_CALLBACK_SIGNATURE.',
    ),
    404: errorResponse('No such step.'),
  },
});

/** Routes under /api/providers. */
export function providerRoutes(deps: ApiDeps): Router {
  const router = new Router<AppState>({ prefix: '/api/providers' });

  router.post('/callbacks/:executionId/:stepId', async (ctx) => {
    const executionId = String(ctx.params.executionId).slice(0, 100);
    const stepId = String(ctx.params.stepId).slice(0, 128);
    const token = typeof ctx.query.token === 'string' ? ctx.query.token : '';
    const step = await deps.db.step.findUnique({
      where: { executionId_stepId: { executionId, stepId } },
      include: { execution: { select: { temporalWorkflowId: true } } },
    });
    if (!step) throw notFound(`Step "${stepId}" of execution "${executionId}"`);
    const waitingOn = step.waitingOn as { callbackToken?: string; provider?: string } | null;
    const notWaiting = { success: true, accepted: false, reason: `Step "${stepId}" is not waiting (status ${step.status}).` } satisfies CallbackResponse;
    const jobKey = jobKeyOf(executionId, stepId);
    let providerId = waitingOn?.provider;
    if (waitingOn?.callbackToken) {
      if (!sameSecret(token, waitingOn.callbackToken)) throw new HttpError(401, 'INVALID_CALLBACK_TOKEN', 'The callback token does not match this job.');
    } else {
      // Late or repeated: the step is no longer waiting. A vendor's job of it may still run (its
      // step stopped while the create was in flight): verified by the vendor's own signature, it is
      // judged below. The vendor is the one that recorded the step's job, else the one whose
      // signature headers the webhook carries. Anything else is acknowledged so the sender stops.
      const row = await deps.db.providerJob.findUnique({ where: { idempotencyKey: jobKey }, select: { provider: true } });
      providerId = row?.provider ?? (ctx.get('x-fal-webhook-request-id') ? 'fal' : ctx.get('webhook-signature') ? 'replicate' : undefined);
      if (!providerId || !deps.jobProviders?.(providerId)?.judgeCallback) {
        ctx.body = notWaiting;
        return;
      }
    }
    const body = await readCallback(deps, providerId, jobKey, ctx);
    if (body !== 'progress' && 'judged' in body) {
      // Stopped: skipped, failed or cancelled (a completed step's own job has ended; another is an orphan anyway).
      const verdict = await body.judge(isTerminalStepStatus(step.status) && step.status !== 'completed');
      if (verdict !== 'live') {
        ctx.body = { success: true, accepted: false, reason: `Job ${body.jobId} is not this step's job (${verdict.replace('_', ' ')}).` } satisfies CallbackResponse;
        return;
      }
      if (!waitingOn?.callbackToken) {
        ctx.body = notWaiting;
        return;
      }
    }
    const resumed = body === 'progress' ? body : 'judged' in body ? body.state : body;
    if (resumed === 'progress') {
      // A verified progress event (Replicate's `start`): the job runs; nothing to resume yet.
      ctx.body = { success: true, accepted: false, reason: 'Progress event: the job is still running.' } satisfies CallbackResponse;
      return;
    }
    if (resumed.status === 'succeeded' && !resumed.result) throw new HttpError(400, 'INVALID_REQUEST', 'A succeeded job must carry its result.');
    let result = resumed.result;
    if (result && deps.media) {
      const library = createMediaLibrary({ db: deps.db, store: deps.media.store, maxBytes: 64 * 1024 * 1024 });
      result = await storeInlineData(result, { save: (bytes, meta) => library.save(bytes, meta, { executionId }) });
    } else if (result?.type === 'url' && /^data:/i.test(result.url)) {
      // No media store here to decode into: polling stores it in the worker.
      ctx.body = { success: true, accepted: false, reason: 'Inline output: polling stores it.' } satisfies CallbackResponse;
      return;
    }
    // A per-second job its budget stopped ends `canceled` at the vendor: the step fails with BUDGET_EXCEEDED.
    const error = resumed.status === 'failed' && (await budgetExceeded(deps.db, jobKey)) ? budgetFailure(stepId) : resumed.error;
    try {
      await deps.temporal.workflow.getHandle(step.execution.temporalWorkflowId).signal(mediaResultSignal, {
        stepId,
        jobId: resumed.jobId,
        status: resumed.status,
        ...(result !== undefined ? { result } : {}),
        ...(error ? { error } : {}),
      });
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      ctx.body = { success: true, accepted: false, reason: 'The run has already ended.' } satisfies CallbackResponse;
      return;
    }
    // The job has ended at the vendor: its slot of the vendor account (VENDOR_CONCURRENCY) is free.
    await releaseLease(deps.db, jobKey).catch(() => undefined);
    ctx.status = 202;
    ctx.body = { success: true, accepted: true } satisfies CallbackResponse;
  });

  return router;
}

/** A vendor's verified callback: the job and its state, and how to judge whether it is the step's job. */
interface JudgedCallback {
  judged: true;
  jobId: string;
  state: MediaResultSignalBody | 'progress';
  judge: (stepStopped: boolean) => ReturnType<NonNullable<JobProvider['judgeCallback']>>;
}

/**
 * The job's result, parsed and verified by its provider's adapter. Fails closed: a provider this API
 * has no adapter for (not configured here, or unknown) cannot be verified, so its callback is refused.
 */
async function readCallback(deps: ApiDeps, providerId: string | undefined, jobKey: string, ctx: AppContext): Promise<MediaResultSignalBody | JudgedCallback | 'progress'> {
  const provider = providerId ? deps.jobProviders?.(providerId) : undefined;
  if (!provider) {
    throw new HttpError(401, 'CALLBACK_VERIFICATION_UNAVAILABLE', `No adapter for provider "${providerId ?? 'unknown'}" is configured on this API, so its callback cannot be verified; it changes nothing (polling still finishes the job).`);
  }
  let parsed: { jobId: string; state: JobState; callbackUrl?: string };
  let recorded: JobHandle | undefined;
  try {
    recorded = await provider.recorded?.(jobKey);
    parsed = await provider.parseCallback(
      {
        headers: Object.fromEntries(Object.entries(ctx.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : String(value ?? '')])),
        query: Object.fromEntries(Object.entries(ctx.query).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : String(value ?? '')])),
        rawBody: Buffer.from(ctx.state.rawBody ?? ''),
      },
      recorded,
    );
  } catch (err) {
    // Refused before anything changes: the code says whether the signature was missing, wrong or stale.
    if (err instanceof CallbackRejected) throw new HttpError(401, err.code, err.message);
    if (err instanceof ProviderError) throw new HttpError(401, 'INVALID_CALLBACK_SIGNATURE', err.message);
    throw err;
  }
  const { jobId, state, callbackUrl } = parsed;
  // A signed body that names its callback URL (Replicate's `webhook`) must name this step's: a
  // genuine webhook of another job replayed here must not pass for one of this step.
  if (callbackUrl !== undefined && !sameStepPath(callbackUrl, ctx.path)) {
    throw new HttpError(401, 'CALLBACK_SIGNATURE_INVALID', 'The signed webhook was sent for another step’s callback URL.');
  }
  const body: MediaResultSignalBody | 'progress' =
    state.status === 'running' ? 'progress' : state.status === 'succeeded' ? { jobId, status: 'succeeded', result: state.result } : { jobId, status: 'failed', error: state.error };
  const judge = provider.judgeCallback?.bind(provider);
  if (!judge) return body;
  return {
    judged: true,
    jobId,
    state: body,
    judge: (stepStopped) =>
      judge({ idempotencyKey: jobKey, job: recorded?.jobId === jobId ? recorded : { jobId, ...(recorded?.data ? { data: recorded.data } : {}) }, running: state.status === 'running', stepStopped }),
  };
}

type MediaResultSignalBody = Omit<MediaResultSignal, 'stepId'>;

function sameStepPath(callbackUrl: string, path: string): boolean {
  try {
    // PUBLIC_URL may carry a path prefix (a reverse proxy): the route's own path ends it.
    return decodeURIComponent(new URL(callbackUrl).pathname).endsWith(decodeURIComponent(path));
  } catch {
    return false;
  }
}

