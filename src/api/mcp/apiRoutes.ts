// HTTP routes the MCP tools use beyond the public run API: the workflows a key may run, and runs
// whose trigger type is `mcp` (studio agent, with X-Builder-Agent-Token) or `user-mcp`.
import Router from '@koa/router';
import { mcpRunQuerySchema, type McpWorkflowListResponse } from '../../contract/workflows';
import { parseRequest } from '../middleware/validate';
import type { AppDeps, AuthedState } from '../context';
import { requireApiKey } from '../middleware/apiKey';
import { findRunnableWorkflow, runBodyOf, serveRun } from '../workflows/run';
import { listRunnableWorkflows } from '../../services/workflowList';
import { mcpTriggerType } from './agent';

/** Routes under /api/mcp. */
export function mcpApiRoutes(deps: AppDeps): Router {
  const { db, admissions, temporal } = deps;
  const router = new Router<AuthedState>({ prefix: '/api/mcp' });
  router.use(requireApiKey(db));

  router.get('/workflows', async (ctx) => {
    const { auth } = ctx.state;
    ctx.body = { success: true, workflows: await listRunnableWorkflows(db, auth.account.id, auth.capabilities) } satisfies McpWorkflowListResponse;
  });

  router.post('/workflows/:slug/run', async (ctx) => {
    const { auth, receivedAtMs } = ctx.state;
    const triggerType = mcpTriggerType(deps.studioAgentToken, ctx.get('x-builder-agent-token'));
    const workflow = await findRunnableWorkflow(db, auth, String(ctx.params.slug));
    const body = runBodyOf(ctx.request.body);
    const runAsync = parseRequest(mcpRunQuerySchema, ctx.query).async === 'true';
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
