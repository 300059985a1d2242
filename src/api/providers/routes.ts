// Provider callbacks: an async provider POSTs a job's result here, authenticated by the per-job
// token in the URL it was given; the result resumes the waiting step through a workflow signal.
import { timingSafeEqual } from 'node:crypto';
import Router from '@koa/router';
import { WorkflowNotFoundError } from '@temporalio/client';
import { CallbackRejected, ProviderError } from '../../providers/errors';
import { mediaResultSignal, type MediaResultSignal } from '../../workflows/messages';
import type { ApiDeps, AppContext, AppState } from '../context';
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
    if (!waitingOn?.callbackToken) {
      // Late or repeated: the step is no longer waiting. Acknowledge so the provider stops retrying.
      ctx.body = { success: true, accepted: false, reason: `Step "${stepId}" is not waiting (status ${step.status}).` } satisfies CallbackResponse;
      return;
    }
    if (!sameSecret(token, waitingOn.callbackToken)) throw new HttpError(401, 'INVALID_CALLBACK_TOKEN', 'The callback token does not match this job.');
    const body = await readCallback(deps, waitingOn.provider, ctx);
    if (body === 'progress') {
      // A verified progress event (Replicate's `start`): the job runs; nothing to resume yet.
      ctx.body = { success: true, accepted: false, reason: 'Progress event: the job is still running.' } satisfies CallbackResponse;
      return;
    }
    if (body.status === 'succeeded' && !body.result) throw new HttpError(400, 'INVALID_REQUEST', 'A succeeded job must carry its result.');
    try {
      await deps.temporal.workflow.getHandle(step.execution.temporalWorkflowId).signal(mediaResultSignal, {
        stepId,
        jobId: body.jobId,
        status: body.status,
        ...(body.result !== undefined ? { result: body.result } : {}),
        ...(body.error ? { error: body.error } : {}),
      });
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      ctx.body = { success: true, accepted: false, reason: 'The run has already ended.' } satisfies CallbackResponse;
      return;
    }
    ctx.status = 202;
    ctx.body = { success: true, accepted: true } satisfies CallbackResponse;
  });

  return router;
}

/**
 * The job's result, parsed and verified by its provider's adapter. Fails closed: a provider this API
 * has no adapter for (not configured here, or unknown) cannot be verified, so its callback is refused.
 */
async function readCallback(deps: ApiDeps, providerId: string | undefined, ctx: AppContext): Promise<MediaResultSignalBody | 'progress'> {
  const provider = providerId ? deps.jobProviders?.(providerId) : undefined;
  if (!provider) {
    throw new HttpError(401, 'CALLBACK_VERIFICATION_UNAVAILABLE', `No adapter for provider "${providerId ?? 'unknown'}" is configured on this API, so its callback cannot be verified; it changes nothing (polling still finishes the job).`);
  }
  try {
    const { jobId, state } = await provider.parseCallback({
      headers: Object.fromEntries(Object.entries(ctx.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : String(value ?? '')])),
      query: Object.fromEntries(Object.entries(ctx.query).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : String(value ?? '')])),
      rawBody: Buffer.from(ctx.state.rawBody ?? ''),
    });
    if (state.status === 'running') return 'progress';
    return state.status === 'succeeded' ? { jobId, status: 'succeeded', result: state.result } : { jobId, status: 'failed', error: state.error };
  } catch (err) {
    // Refused before anything changes: the code says whether the signature was missing, wrong or stale.
    if (err instanceof CallbackRejected) throw new HttpError(401, err.code, err.message);
    if (err instanceof ProviderError) throw new HttpError(401, 'INVALID_CALLBACK_SIGNATURE', err.message);
    throw err;
  }
}

type MediaResultSignalBody = Omit<MediaResultSignal, 'stepId'>;

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
