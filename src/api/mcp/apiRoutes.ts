// HTTP routes the MCP tools use beyond the public run API: the workflows a key may run, and runs
// whose trigger type is `mcp` (studio agent, with X-Builder-Agent-Token) or `user-mcp`.
import Router from '@koa/router';
import { mcpRunWorkflowRoute, type McpWorkflowListResponse } from '../../contract/workflows';
import type { WorkflowRecord } from '../../services/admission';
import { invalidInputs } from '../errors';
import { mountRoute } from '../openapi/route';
import type { AppDeps, AuthedState } from '../context';
import { requireApiKey } from '../middleware/apiKey';
import { findRunnableWorkflow, serveRun } from '../workflows/run';
import { listRunnableWorkflows } from '../../services/workflowList';
import { mcpTriggerType } from './agent';

/** The MCP run route's state once its workflow is found (before the request is validated). */
type McpRunState = AuthedState & { workflow: WorkflowRecord };

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
      // The workflow first: an unknown slug is a 404 whatever the body.
      before: [
        async (ctx, next) => {
          (ctx.state as McpRunState).workflow = await findRunnableWorkflow(db, ctx.state.auth, String(ctx.params.slug));
          await next();
        },
      ],
      // The seed's code for a body without an `inputs` object.
      refuse: {
        body: (_raw, issues) =>
          issues.some((issue) => issue.path.length === 0 || issue.path[0] === 'inputs')
            ? invalidInputs('The request body must be an object with an "inputs" object.', [{ field: 'inputs', message: 'is required' }])
            : undefined,
      },
    },
    async (ctx) => {
      const { auth, receivedAtMs, input } = ctx.state;
      const { workflow } = ctx.state as unknown as McpRunState;
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
