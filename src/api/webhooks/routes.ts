// Webhook Trigger nodes: `POST /api/hooks/:token` starts the graph downstream of the node with the
// event's body and headers as the node's outputs (trigger type `webhook`) and answers 202 at once;
// `GET /api/workflows/:slug/webhooks` lists a workflow's inbound URLs.
// Mounted before the JSON body parser: senders post any content type, and signatures cover the raw bytes.
import Router from '@koa/router';
import type { WebhookAccepted, WebhookListResponse } from '../../contract/workflows';
import type { Context } from 'koa';
import { parseCanvasGraph } from '../../domain/canvas';
import type { CanvasGraph } from '../../domain/types';
import { metrics } from '../../observability/metrics';
import { nodeHasRole } from '../../nodes/registry';
import { canRunWorkflow } from '../../services/apiKeys';
import type { ApiDeps, AppState, AuthState } from '../context';
import { accountNotApproved, capabilityDenied, errorCodeOf, HttpError, notFound } from '../errors';
import { requireApiKey } from '../middleware/apiKey';
import { assertNestingWithinLimit, readBody } from '../middleware/bodyParser';
import { verifyWebhookSignature } from './signature';
import { parseWebhookToken, webhookToken, webhookTokenMatches } from './tokens';

const MAX_BODY_BYTES = 1024 * 1024;
/** Request headers never handed to the run (credentials of the sender's own infrastructure). */
const DROPPED_HEADERS = new Set(['authorization', 'cookie', 'x-api-key', 'proxy-authorization']);

/** The webhook routes. */
export function webhookRoutes(deps: ApiDeps): Router {
  const { db, admissions } = deps;
  const router = new Router<AppState>();

  router.post('/api/hooks/:token', async (ctx) => {
    const { receivedAtMs } = ctx.state;
    try {
      const { workflow, account, node, graph } = await resolveHook(deps, String(ctx.params.token));
      const rawBody = await readBody(ctx, MAX_BODY_BYTES, 'Webhook bodies');
      const secret = typeof node.config.secret === 'string' && node.config.secret !== '' ? node.config.secret : undefined;
      if (secret) verifyWebhookSignature(secret, { timestamp: ctx.get('x-webhook-timestamp'), signature: ctx.get('x-webhook-signature') }, rawBody);
      if (!account.approved) throw accountNotApproved();

      const admission = await admissions.admit({
        account: { id: account.id, tier: account.tier },
        workflow,
        triggerType: 'webhook',
        inputs: {},
        triggerPayload: { body: parseBody(ctx, rawBody), headers: eventHeaders(ctx) },
        ...(downstreamOutput(graph, node.id) ? { targetNodeId: downstreamOutput(graph, node.id)! } : {}),
        // The sender never waits on the run, so nothing here depends on a provider being pollable.
        async: false,
        receivedAtMs,
      });
      metrics.webhookDeliveries.inc({ outcome: 'accepted' });
      ctx.state.executionId = admission.executionId;
      ctx.status = 202;
      ctx.body = { success: true, executionId: admission.executionId, status: 'planning', statusUrl: `/api/executions/${admission.executionId}` } satisfies WebhookAccepted;
    } catch (err) {
      metrics.webhookDeliveries.inc({ outcome: errorCodeOf(err)?.toLowerCase() ?? 'internal_error' });
      throw err;
    }
  });

  // requireApiKey sets the caller, so this route's state has it.
  router.get<{ auth: AuthState }>('/api/workflows/:slug/webhooks', requireApiKey(db), async (ctx) => {
    const { auth } = ctx.state;
    const slug = String(ctx.params.slug);
    if (!canRunWorkflow(auth.capabilities, slug)) throw capabilityDenied(slug);
    const workflow = await db.workflow.findUnique({ where: { accountId_slug: { accountId: auth.account.id, slug } }, include: { account: true } });
    if (!workflow) throw notFound(`Workflow "${slug}"`);
    const graph = parseCanvasGraph(workflow.graph);
    ctx.body = {
      success: true,
      slug,
      webhooks: graph.nodes
        .filter((node) => nodeHasRole(node.type, 'webhook'))
        .map((node) => {
          const path = `/api/hooks/${webhookToken(workflow.account.webhookSecret, workflow.canvasId, node.id)}`;
          return { nodeId: node.id, name: node.name ?? node.id, url: `${ctx.protocol}://${ctx.host}${path}`, path, signed: typeof node.config.secret === 'string' && node.config.secret !== '' };
        }),
    } satisfies WebhookListResponse;
  });

  return router;
}

/** The workflow, account and node a token names; 404 for anything else, so tokens cannot be probed. */
async function resolveHook(deps: ApiDeps, token: string) {
  const missing = () => notFound('Webhook');
  const parsed = parseWebhookToken(token);
  if (!parsed) throw missing();
  const workflow = await deps.db.workflow.findUnique({ where: { canvasId: parsed.canvasId }, include: { account: true } });
  if (!workflow || !webhookTokenMatches(workflow.account.webhookSecret, parsed)) throw missing();
  const graph = parseCanvasGraph(workflow.graph);
  const node = graph.nodes.find((candidate) => candidate.id === parsed.nodeId && nodeHasRole(candidate.type, 'webhook'));
  if (!node) throw missing();
  const { account, ...record } = workflow;
  return { workflow: record, account, node, graph };
}

/** The first Response Output node downstream of the trigger: the run's target. */
function downstreamOutput(graph: CanvasGraph, from: string): string | undefined {
  const seen = new Set([from]);
  const queue = [from];
  while (queue.length > 0) {
    const id = queue.shift()!;
    const node = graph.nodes.find((candidate) => candidate.id === id);
    if (node && nodeHasRole(node.type, 'run-output')) return id;
    for (const edge of graph.edges) {
      if (edge.source === id && !seen.has(edge.target)) {
        seen.add(edge.target);
        queue.push(edge.target);
      }
    }
  }
  return undefined;
}

/** JSON bodies become values; anything else stays text. */
function parseBody(ctx: Context, raw: string): unknown {
  if (raw === '') return null;
  if (!ctx.is('application/json', '+json')) return raw;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new HttpError(400, 'INVALID_JSON', 'The webhook body is declared as JSON but is not valid JSON.');
  }
  assertNestingWithinLimit(parsed);
  return parsed;
}

function eventHeaders(ctx: Context): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(ctx.headers)) {
    if (value === undefined || DROPPED_HEADERS.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}
