// The run viewer's API: minting view tokens with an API key, and the run's plan as a graph for the
// canvas. Reading the run itself, its events, cancel and replay are the execution routes, which
// also accept view tokens (./tokenAuth.ts).
import Router from '@koa/router';
import type { Plan } from '../../domain/types';
import { nodeHasRole } from '../../nodes/registry';
import { canRunWorkflow } from '../../services/apiKeys';
import { signViewToken } from '../../services/viewTokens';
import type { ApiDeps, AuthedState, AuthState, ViewerLinks } from '../context';
import { capabilityDenied, HttpError, notFound } from '../errors';
import { requireApiKey } from '../middleware/apiKey';
import { mountRoute } from '../openapi/route';
import {
  accountViewTokenRoute,
  executionGraphRoute,
  executionViewTokenRoute,
  type GraphResponse,
  type ViewTokenBody,
  type ViewTokenResponse,
} from '../../contract/viewer';

/** The run viewer's API routes. */
export function viewerApiRoutes(deps: ApiDeps, links: ViewerLinks = {}): Router {
  const { db } = deps;
  const router = new Router<AuthedState>({ prefix: '/api/executions' });
  const auth = requireApiKey(db);

  async function mint(caller: AuthState, id: string | null, body: ViewTokenBody): Promise<ViewTokenResponse> {
    let slug: string | null = null;
    if (id !== null) {
      const execution = id.length <= 100 ? await db.execution.findFirst({ where: { id, accountId: caller.account.id }, select: { workflow: { select: { slug: true } } } }) : null;
      if (!execution) throw notFound(`Execution "${id}"`);
      slug = execution.workflow.slug;
    }
    // Acting costs credits and stops work: only a key that may run the workflow hands that on.
    if (body.actions && !(slug ? canRunWorkflow(caller.capabilities, slug) : caller.capabilities.includes('workflow:run'))) {
      if (slug) throw capabilityDenied(slug);
      throw new HttpError(403, 'CAPABILITY_DENIED', 'An account view token with actions needs a key with workflow:run.', { required: 'workflow:run' });
    }
    const account = await db.account.findUniqueOrThrow({ where: { id: caller.account.id }, select: { webhookSecret: true } });
    const exp = Math.floor(Date.now() / 1000) + body.ttlSeconds;
    const token = signViewToken(account.webhookSecret, { a: caller.account.id, k: caller.keyId, x: id, act: body.actions, exp });
    return {
      success: true,
      token,
      executionId: id,
      actions: body.actions,
      expiresAt: new Date(exp * 1000).toISOString(),
      viewUrl: `${id === null ? '/runs' : `/runs/${encodeURIComponent(id)}`}#token=${token}`,
    } satisfies ViewTokenResponse;
  }

  mountRoute(router, accountViewTokenRoute, { before: [auth] }, async (ctx) => {
    ctx.body = await mint(ctx.state.auth, null, ctx.state.input.body);
  });
  mountRoute(router, executionViewTokenRoute, { before: [auth] }, async (ctx) => {
    ctx.body = await mint(ctx.state.auth, ctx.state.input.params.id, ctx.state.input.body);
  });

  mountRoute(router, executionGraphRoute, { before: [auth] }, async (ctx) => {
    const caller = ctx.state.auth;
    const { id } = ctx.state.input.params;
    const execution =
      id.length <= 100
        ? await db.execution.findFirst({
            where: { id, accountId: caller.account.id },
            include: { workflow: { select: { name: true, slug: true } }, replays: { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: 50 } },
          })
        : null;
    if (!execution) throw notFound(`Execution "${id}"`);
    const plan = execution.plan as unknown as Plan;
    const steps = Array.isArray(plan?.steps) ? plan.steps : [];
    ctx.body = {
      success: true,
      graph: {
        workflowName: execution.workflow.name,
        workflowSlug: execution.workflow.slug,
        targetNodeId: execution.targetNodeId,
        nodes: steps.map((step) => ({ id: step.id, name: step.name, nodeType: step.nodeType, output: nodeHasRole(step.nodeType, 'run-output'), groupIndex: step.groupIndex, model: step.model ?? null, dependsOn: step.dependsOn })),
        edges: steps.flatMap((step) =>
          step.inputs.map((input) => ({
            id: `${input.sourceNodeId}.${input.sourcePort}->${step.id}.${input.port}`,
            source: input.sourceNodeId,
            sourcePort: input.sourcePort,
            target: step.id,
            targetPort: input.port,
          })),
        ),
      },
      replays: execution.replays.map((replay) => ({ id: replay.id, status: replay.status, fromStepId: replay.fromStepId, createdAt: replay.createdAt.toISOString() })),
      temporalUrl: await temporalLink(deps, links, execution.temporalWorkflowId),
    } satisfies GraphResponse;
  });

  return router;
}

/** The run's page in the Temporal Web UI: its latest run's history, or a search by workflow id when it has none yet. */
async function temporalLink(deps: ApiDeps, links: ViewerLinks, workflowId: string): Promise<string | null> {
  if (!links.temporalUiUrl) return null;
  const base = `${links.temporalUiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(links.temporalNamespace ?? 'default')}/workflows`;
  try {
    const { runId } = await deps.temporal.workflow.getHandle(workflowId).describe();
    return `${base}/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`;
  } catch {
    return `${base}?query=${encodeURIComponent(`WorkflowId="${workflowId}"`)}`;
  }
}
