// HTTP routes the MCP tools use beyond the public run API: the workflows a key may run, and runs
// whose trigger type is `mcp` (studio agent, with X-Builder-Agent-Token) or `user-mcp`.
import Router from '@koa/router';
import { mcpRunWorkflowRoute, type McpWorkflowListResponse } from '../../contract/workflows';
import { mountRoute } from '../openapi/route';
import type { AppDeps, AuthedState } from '../context';
import { requireApiKey } from '../middleware/apiKey';
import { refuseWithoutInputs, runnableWorkflowFirst, serveRun, type RunnableState } from '../workflows/run';
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

  mountRoute(
    router,
    mcpRunWorkflowRoute,
    {
      before: [runnableWorkflowFirst(db)],
      refuse: { body: refuseWithoutInputs },
    },
    async (ctx) => {
      const { auth, receivedAtMs, input } = ctx.state;
      const { workflow } = ctx.state as unknown as RunnableState;
      const triggerType = mcpTriggerType(deps.studioAgentToken, input.headers['x-builder-agent-token'] ?? '');
      await serveRun(ctx, { db, temporal, admissions, ...(deps.events ? { events: deps.events } : {}), ...(deps.media ? { media: deps.media } : {}) }, {
        auth,
        workflow,
        triggerType,
        inputs: input.body.inputs,
        runAsync: input.query.async === 'true',
        receivedAtMs,
        extra: { triggerType },
      });
    },
  );

  return router;
}
