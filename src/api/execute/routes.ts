// The studio's manual trigger: POST /api/execute/start (X-Trigger-Type: manual, Idempotency-Key).
// The retired combined POST /api/execute answers 410; the internal /api/execute/worker dispatch
// is never routed here (Temporal workers do that work), so it is a 404 like any unknown route.
//
// Auth: the studio's browser session is not modelled by this engine; the route takes an
// x-api-key whose capabilities allow running the canvas's workflow.
import Router from '@koa/router';
import { canRunWorkflow } from '../../services/apiKeys';
import type { ApiDeps, AuthedState } from '../context';
import { answerRun } from '../idempotency';
import { capabilityDenied, gone, invalidTriggerType, notFound } from '../errors';
import { requireApiKey } from '../middleware/apiKey';
import { parseRequest } from '../middleware/validate';
import { API_KEY_ERRORS, errorResponse, RATE_LIMIT_HEADERS } from '../openapi/common';
import { describeRoute } from '../openapi/registry';
import { executeStartBodySchema, executeStartHeadersSchema, executeStartResponseSchema, type ExecuteStartResponse } from '../../contract/execute';

describeRoute({
  method: 'post',
  path: '/api/execute/start',
  summary: 'Start a manual run of a canvas (studio trigger)',
  description:
    'Admits a manual run of the canvas and answers 202 at once. A repeated Idempotency-Key returns the first answer ' +
    '(header Idempotent-Replayed: true) instead of starting another run; the same key with a different body is refused.',
  tags: ['Studio'],
  auth: 'apiKey',
  headers: executeStartHeadersSchema,
  body: executeStartBodySchema,
  responses: {
    202: { description: 'The run was admitted (or the first answer to this Idempotency-Key).', body: executeStartResponseSchema, headers: RATE_LIMIT_HEADERS },
    400: errorResponse('INVALID_TRIGGER_TYPE, INVALID_REQUEST or INVALID_INPUTS.'),
    402: errorResponse('INSUFFICIENT_CREDITS, grant_exhausted or BUDGET_EXCEEDED (the estimate exceeds `maxCredits`).'),
    403: errorResponse('CAPABILITY_DENIED (with `required`) or MODEL_TIER_REQUIRED.'),
    404: errorResponse('No canvas with this id in your account.'),
    409: errorResponse('EXECUTION_EXISTS (client-chosen executionId taken) or IDEMPOTENCY_IN_PROGRESS.'),
    422: errorResponse('IDEMPOTENCY_KEY_REUSED or INVALID_WORKFLOW.'),
    ...API_KEY_ERRORS,
  },
});
describeRoute({
  method: 'all',
  path: '/api/execute',
  summary: 'Retired combined endpoint',
  description: 'Retired: answers 410 for every method. Use POST /api/execute/start (studio) or POST /api/workflows/:slug/run (API).',
  tags: ['Studio'],
  auth: 'none',
  deprecated: true,
  notAnOperation: 'Retired: answers 410 GONE for every method; see POST /api/execute/start and POST /api/workflows/{slug}/run.',
  responses: { 410: errorResponse('GONE.') },
});

/** The retired /api/execute (410 for any method and body); mount it before the JSON body parser. */
export function retiredExecuteRoutes(): Router {
  const router = new Router();
  router.all('/api/execute', () => {
    throw gone('POST /api/execute is retired: use POST /api/execute/start (studio) or POST /api/workflows/:slug/run (API).');
  });
  return router;
}

/** POST /api/execute/start. */
export function executeRoutes(deps: ApiDeps): Router {
  const { db, admissions } = deps;
  const router = new Router<AuthedState>();

  router.post('/api/execute/start', requireApiKey(db), async (ctx) => {
    const { auth, receivedAtMs } = ctx.state;
    const triggerType = ctx.get('x-trigger-type');
    if (triggerType !== 'manual') throw invalidTriggerType(triggerType);
    const rawBody = ctx.request.body;
    const body = parseRequest(executeStartBodySchema, rawBody);

    const answerFor = async (executionId: string) => ({
      status: 202,
      executionId,
      body: { success: true, executionId, status: 'planning', triggerType: 'manual', statusUrl: `/api/executions/${executionId}` } satisfies ExecuteStartResponse,
    });
    await answerRun(ctx, db, auth.account.id, {
      // The body alone, as before the run API shared this: keys stored by older versions still match.
      request: rawBody,
      answerFor,
      produce: async (claim) => {
        const workflow = await db.workflow.findUnique({ where: { canvasId: body.canvasId } });
        if (!workflow || workflow.accountId !== auth.account.id) throw notFound(`Canvas "${body.canvasId}"`);
        if (!canRunWorkflow(auth.capabilities, workflow.slug)) throw capabilityDenied(workflow.slug);
        const admission = await admissions.admit({
          account: auth.account,
          workflow,
          triggerType: 'manual',
          inputs: body.inputs ?? {},
          async: true,
          receivedAtMs,
          ...(body.targetNodeId ? { targetNodeId: body.targetNodeId } : {}),
          ...(body.executionId ? { executionId: body.executionId } : {}),
          ...(body.maxCredits !== undefined ? { maxCredits: body.maxCredits } : {}),
          ...(claim ? { idempotencyClaim: claim } : {}),
        });
        return answerFor(admission.executionId);
      },
    });
  });

  return router;
}

