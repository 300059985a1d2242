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
import { mountRoute } from '../openapi/route';
import { executeStartRoute, retiredExecuteRoute, type ExecuteStartResponse } from '../../contract/execute';

/** The retired /api/execute (410 for any method and body); mount it before the JSON body parser. */
export function retiredExecuteRoutes(): Router {
  const router = new Router();
  mountRoute(router, retiredExecuteRoute, {}, () => {
    throw gone('POST /api/execute is retired: use POST /api/execute/start (studio) or POST /api/workflows/:slug/run (API).');
  });
  return router;
}

/** POST /api/execute/start. */
export function executeRoutes(deps: ApiDeps): Router<AuthedState> {
  const { db, admissions } = deps;
  const router = new Router<AuthedState>();

  mountRoute(
    router,
    executeStartRoute,
    {
      before: [requireApiKey(db)],
      // Only the manual trigger is admitted here, with its own error code (the seed's).
      refuse: { headers: (raw, issues) => (issues.some((issue) => issue.path[0] === 'x-trigger-type') ? invalidTriggerType(String(raw['x-trigger-type'] ?? '')) : undefined) },
    },
    async (ctx) => {
      const { auth, receivedAtMs, input } = ctx.state;
      const body = input.body;
      const answerFor = async (executionId: string) => ({
        status: 202,
        executionId,
        body: { success: true, executionId, status: 'planning', triggerType: 'manual', statusUrl: `/api/executions/${executionId}` } satisfies ExecuteStartResponse,
      });
      await answerRun(ctx, db, auth.account.id, {
        // The body as received, as before the run API shared this: keys stored by older versions still match.
        request: ctx.request.body,
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
    },
  );

  return router;
}
