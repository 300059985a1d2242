// HTTP routes the MCP tools use beyond the public run API: the workflows a key may run, and runs
// whose trigger type is `mcp` (studio agent, with X-Builder-Agent-Token) or `user-mcp`.
import Router from '@koa/router';
import type { McpWorkflowListResponse } from '../contract/workflows';
import { parseCanvasGraph } from '../domain/canvas';
import { inputFieldsOfPlan } from '../domain/inputs';
import { Refusal } from '../domain/refusals';
import type { AppDeps, AuthedState } from '../api/context';
import { requireApiKey } from '../api/middleware/apiKey';
import { findRunnableWorkflow, runBodyOf, serveRun } from '../api/workflows/run';
import { planOrRefuse } from '../services/admission';
import { canRunWorkflow } from '../services/apiKeys';
import { mcpTriggerType } from './agent';

/** Routes under /api/mcp. */
export function mcpApiRoutes(deps: AppDeps): Router {
  const { db, admissions, temporal } = deps;
  const router = new Router<AuthedState>({ prefix: '/api/mcp' });
  router.use(requireApiKey(db));

  router.get('/workflows', async (ctx) => {
    const { auth } = ctx.state;
    const rows = await db.workflow.findMany({ where: { accountId: auth.account.id }, orderBy: { slug: 'asc' } });
    ctx.body = {
      success: true,
      workflows: rows
        .filter((row) => canRunWorkflow(auth.capabilities, row.slug))
        .map((row) => {
          try {
            const fields = inputFieldsOfPlan(parseCanvasGraph(row.graph), planOrRefuse(row.graph));
            return { slug: row.slug, name: row.name, canvasId: row.canvasId, inputs: fields.map(({ name, type, required, description }) => ({ name, type, required, ...(description ? { description } : {}) })) };
          } catch (err) {
            if (!(err instanceof Refusal)) throw err;
            return { slug: row.slug, name: row.name, canvasId: row.canvasId, invalid: { code: err.code, message: err.message } };
          }
        }),
    } satisfies McpWorkflowListResponse;
  });

  router.post('/workflows/:slug/run', async (ctx) => {
    const { auth, receivedAtMs } = ctx.state;
    const triggerType = mcpTriggerType(deps.studioAgentToken, ctx.get('x-builder-agent-token'));
    const workflow = await findRunnableWorkflow(db, auth, String(ctx.params.slug));
    const body = runBodyOf(ctx.request.body);
    const runAsync = ctx.query.async === 'true';
    await serveRun(ctx, { db, temporal, admissions, ...(deps.events ? { events: deps.events } : {}), ...(deps.media ? { media: deps.media } : {}) }, {
      auth,
      workflow,
      triggerType,
      inputs: body.inputs,
      runAsync,
      receivedAtMs,
      extra: { triggerType },
    });
  });

  return router;
}
