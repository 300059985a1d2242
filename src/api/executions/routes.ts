// Public execution routes: read, list, watch (SSE), cancel and replay runs.
import Router from '@koa/router';
import { WorkflowNotFoundError } from '@temporalio/client';
import { isTerminalExecutionStatus } from '../../domain/statuses';
import { loadExecutionView, presentExecutionSummary } from '../../services/executionView';
import { replayExecution } from '../../services/replay';
import { settleUnstarted } from '../../services/settle';
import type { ApiDeps, AuthedState } from '../context';
import { HttpError, notFound } from '../errors';
import { requireApiKey } from '../middleware/apiKey';
import { mountRoute } from '../openapi/route';
import { streamEvents } from './events';
import { z } from 'zod';
import {
  cancelResponseSchema,
  executionListResponseSchema,
  executionResponseSchema,
  cancelExecutionRoute,
  executionIdParamsSchema,
  executionRoute,
  listExecutionsRoute,
  replayExecutionRoute,
  replayResponseSchema,
  type ExecutionListResponse,
  type ExecutionResponse,
  type CancelResponse,
  type ReplayResponse,
} from '../../contract/executions';
import { triggerTypeToDb } from '../../contract/statuses';
import { errorResponse, RATE_LIMIT_HEADERS, VIEW_TOKEN_ERRORS } from '../openapi/common';
import { describeRoute } from '../openapi/registry';

// OpenAPI descriptions of the execution routes (see ../openapi/registry.ts).

describeRoute({
  method: 'get', path: '/api/executions/:id/events', summary: 'Live run and step status and streamed tokens (Server-Sent Events)', tags: ['Executions'],
  auth: 'apiKeyOrViewToken', params: executionIdParamsSchema,
  headers: z.object({ 'Last-Event-ID': z.string().optional().describe('Resume after this event id (also `?lastEventId=`).') }),
  query: z.object({
    lastEventId: z.string().optional().describe('Resume after this event id (for EventSource, which cannot set headers).'),
    token: z.string().optional().describe('A view token, for EventSource (which cannot set headers).'),
  }),
  description:
    'Events `run.status`, `step.status`, `step.token`, `step.attempt_failed`, and finally `run.end`, after which the stream closes. Event ids are 1, 2, 3… per execution. ' +
    'Each event’s `event:` line is its `type` and its `data:` line its `data`, as in the `SseEvent` schema (#/components/schemas/SseEvent).',
  responses: {
    200: { description: 'An event stream of `SseEvent`s.', contentType: 'text/event-stream' },
    404: errorResponse('No such execution.'),
    503: errorResponse('EVENTS_UNAVAILABLE: this server has no live event stream (poll GET /api/executions/{id}).'),
    ...VIEW_TOKEN_ERRORS,
  },
});
/** Routes under /api/executions. */
export function executionRoutes(deps: ApiDeps): Router {
  const { db } = deps;
  const router = new Router<AuthedState>({ prefix: '/api/executions' });
  router.use(requireApiKey(db));

  /** The caller's execution row, or 404 (also for another account's). */
  async function ownExecution(accountId: string, id: string) {
    const execution = id.length <= 100 ? await db.execution.findFirst({ where: { id, accountId } }) : null;
    if (!execution) throw notFound(`Execution "${id}"`);
    return execution;
  }

  mountRoute(router, listExecutionsRoute, {}, async (ctx) => {
    const { auth } = ctx.state;
    const { query } = ctx.state.input;
    const rows = await db.execution.findMany({
      where: {
        accountId: auth.account.id,
        ...(query.workflow ? { workflow: { slug: query.workflow } } : {}),
        ...(query.status ? { status: query.status } : {}),
        ...(query.trigger ? { triggerType: triggerTypeToDb(query.trigger) } : {}),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: query.limit,
      include: { workflow: { select: { slug: true } } },
    });
    ctx.body = { success: true, executions: rows.map(presentExecutionSummary) } satisfies ExecutionListResponse;
  });

  mountRoute(router, executionRoute, {}, async (ctx) => {
    const { auth } = ctx.state;
    const { id } = ctx.state.input.params;
    const execution = id.length <= 100 ? await loadExecutionView(db, auth.account.id, id, deps.media?.signer) : null;
    if (!execution) throw notFound(`Execution "${id}"`);
    ctx.body = { success: true, execution } satisfies ExecutionResponse;
  });

  router.get('/:id/events', async (ctx) => {
    const { auth } = ctx.state;
    const execution = await ownExecution(auth.account.id, String(ctx.params.id));
    const lastEventId = ctx.get('last-event-id') || String(ctx.query.lastEventId ?? '');
    const afterSeq = /^\d{1,9}$/.test(lastEventId) ? Number(lastEventId) : 0;
    if (!deps.events) throw new HttpError(503, 'EVENTS_UNAVAILABLE', 'Live events are not available on this server.');
    await streamEvents(ctx, { db, hub: deps.events, ...(deps.media ? { signer: deps.media.signer } : {}) }, execution.id, afterSeq);
  });

  mountRoute(router, cancelExecutionRoute, {}, async (ctx) => {
    const { auth } = ctx.state;
    const execution = await ownExecution(auth.account.id, ctx.state.input.params.id);
    if (isTerminalExecutionStatus(execution.status)) {
      throw new HttpError(409, 'EXECUTION_FINISHED', `Execution ${execution.id} already ended ${execution.status}; there is nothing to cancel.`, {
        status: execution.status,
      });
    }
    try {
      await deps.temporal.workflow.getHandle(execution.temporalWorkflowId).cancel();
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      // Admitted but never started (or already gone): settle it here, refunding once.
      await settleUnstarted(db, execution.id, {
        status: 'cancelled',
        error: { type: 'Cancelled', message: 'The run was cancelled.' },
        from: ['planning', 'running', 'waiting'],
      });
    }
    ctx.status = 202;
    ctx.body = { success: true, executionId: execution.id, status: 'cancelling' } satisfies CancelResponse;
  });

  mountRoute(router, replayExecutionRoute, {}, async (ctx) => {
    const { auth } = ctx.state;
    const { body, params } = ctx.state.input;
    const replay = await replayExecution(
      { db, admissions: deps.admissions },
      {
        account: auth.account,
        executionId: params.id,
        receivedAtMs: ctx.state.receivedAtMs,
        ...(body.fromStepId !== undefined ? { fromStepId: body.fromStepId } : {}),
      },
    );
    ctx.status = 202;
    ctx.body = {
      success: true,
      executionId: replay.executionId,
      parentExecutionId: replay.parentExecutionId,
      fromStepId: replay.fromStepId,
      creditsUsed: replay.creditsUsed,
      statusUrl: `/api/executions/${replay.executionId}`,
    } satisfies ReplayResponse;
  });

  return router;
}
