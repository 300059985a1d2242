// Public workflow routes: list the workflows a key may run, run one, read its input schema.
import Router from '@koa/router';
import { z } from 'zod';
import { parseCanvasGraph } from '../../domain/canvas';
import { inputFieldsOfPlan, inputsJsonSchema } from '../../domain/inputs';
import { Refusal } from '../../domain/refusals';
import { planOrRefuse } from '../../services/admission';
import { CallbackUrlError, checkCallbackUrl } from '../../providers/callbackUrl';
import type { NetworkPolicy } from '../../net/guardedFetch';
import type { ApiDeps, AuthedContext, AuthedState } from '../context';
import { invalidCallbackUrl, notFound, refusalView } from '../errors';
import { requireApiKey } from '../middleware/apiKey';
import { parseRequest } from '../middleware/validate';
import { API_KEY_ERRORS, errorResponse, RATE_LIMIT_HEADERS } from '../openapi/common';
import { describeRoute } from '../openapi/registry';
import { mountRoute } from '../openapi/route';
import { idempotencyKeyHeaderSchema } from '../../contract/common';
import {
  estimateBodySchema,
  estimateResponseSchema,
  runAcceptedSchema,
  runBodySchema,
  runQuerySchema,
  runResponseSchema,
  slugParamsSchema,
  listWorkflowsRoute,
  WORKFLOW_CAPABILITY_DENIED,
  WORKFLOW_NOT_FOUND,
  workflowSchemaRoute,
  type WorkflowListResponse,
  type WorkflowSchemaResponse,
} from '../../contract/workflows';
import { listRunnableWorkflows } from '../../services/workflowList';
import { findRunnableWorkflow, runBodyOf, serveRun } from './run';



describeRoute({
  method: 'post',
  path: '/api/workflows/:slug/run',
  summary: 'Run a workflow',
  description:
    'Runs the subgraph feeding the Response Output node with `inputs`. Sync by default (200 with the output); `?async=true` answers 202 at once. ' +
    'Requires workflow:run or workflow:<slug>:run. With an `Idempotency-Key`, a repeat (same key and body) gets the first answer ' +
    '(header `Idempotent-Replayed: true`) instead of starting and paying for another run.',
  tags: ['Workflows'],
  auth: 'apiKey',
  params: slugParamsSchema,
  query: runQuerySchema,
  headers: z.object({
    'idempotency-key': idempotencyKeyHeaderSchema,
    'cache-control': z
      .string()
      .optional()
      .describe('`no-cache`: steps with an output cache (`config.cache`) do not read it; they call their provider and refresh the entry.'),
  }),
  body: runBodySchema,
  responses: {
    200: { description: 'The run completed.', body: runResponseSchema, headers: RATE_LIMIT_HEADERS },
    202: { description: 'Async: the run was admitted.', body: runAcceptedSchema, headers: RATE_LIMIT_HEADERS },
    400: errorResponse('INVALID_INPUTS (with `fields`), ASYNC_NOT_SUPPORTED, INVALID_CALLBACK_URL, INVALID_JSON, or INVALID_REQUEST (e.g. `?async=` other than `true`/`false`).'),
    402: errorResponse('INSUFFICIENT_CREDITS (with `required`, `balance`), grant_exhausted (with `model`), or BUDGET_EXCEEDED (with `estimate`, `maxCredits`: the run may cost more than the body’s `maxCredits`).'),
    403: errorResponse('CAPABILITY_DENIED (with `required`), MODEL_TIER_REQUIRED or ACCOUNT_NOT_APPROVED.'),
    404: WORKFLOW_NOT_FOUND,
    409: errorResponse('IDEMPOTENCY_IN_PROGRESS: the first request with this Idempotency-Key is still being admitted.'),
    422: errorResponse('INVALID_WORKFLOW: the canvas cannot be planned (cycle, dangling edge…), or IDEMPOTENCY_KEY_REUSED.'),
    500: errorResponse('EXECUTION_FAILED: a step failed; `error` names the step and cause.'),
    503: errorResponse('ENGINE_UNAVAILABLE: the run could not be handed to the engine.', { 'Retry-After': 'Seconds to wait.' }),
    ...API_KEY_ERRORS,
  },
});

describeRoute({
  method: 'post',
  path: '/api/workflows/:slug/estimate',
  summary: 'Estimate a run’s cost and refusals without running it',
  description:
    'Answers, for the run body given, the credits the run would cost at the account’s tier (per step and in total, trial grants applied) ' +
    'and every refusal a run would get (INVALID_INPUTS, MODEL_TIER_REQUIRED, INSUFFICIENT_CREDITS, grant_exhausted, BUDGET_EXCEEDED with the body’s `maxCredits`). Nothing runs and nothing is charged. ' +
    'Requires workflow:run or workflow:<slug>:run.',
  tags: ['Workflows'],
  auth: 'apiKey',
  params: slugParamsSchema,
  body: estimateBodySchema,
  responses: {
    200: { description: 'The estimate (also when the run would be refused: see `refusals`).', body: estimateResponseSchema, headers: RATE_LIMIT_HEADERS },
    400: errorResponse('INVALID_JSON: the body is not JSON.'),
    403: WORKFLOW_CAPABILITY_DENIED,
    404: WORKFLOW_NOT_FOUND,
    422: errorResponse('INVALID_WORKFLOW: the canvas cannot be planned, so it cannot be priced.'),
    ...API_KEY_ERRORS,
  },
});


/** Routes under /api/workflows. */
export function workflowRoutes(deps: ApiDeps): Router {
  const { db, admissions, temporal } = deps;
  const network = { allowPrivateNetworks: deps.config.ALLOW_PRIVATE_NETWORKS ?? false, allowlist: deps.config.PRIVATE_NETWORK_ALLOWLIST ?? [] };
  const router = new Router<AuthedState>({ prefix: '/api/workflows' });
  router.use(requireApiKey(db));

  const findWorkflow = async (ctx: AuthedContext) => {
    const { auth } = ctx.state;
    return { auth, workflow: await findRunnableWorkflow(db, auth, String(ctx.params.slug)) };
  };

  mountRoute(router, listWorkflowsRoute, {}, async (ctx) => {
    const { auth } = ctx.state;
    ctx.body = { success: true, workflows: await listRunnableWorkflows(db, auth.account.id, auth.capabilities) } satisfies WorkflowListResponse;
  });

  router.post('/:slug/run', async (ctx) => {
    const { receivedAtMs } = ctx.state;
    const { auth, workflow } = await findWorkflow(ctx);
    // `?async=maybe` is refused rather than quietly run sync.
    const runAsync = parseRequest(runQuerySchema, ctx.query).async === 'true';
    const body = runBodyOf(ctx.request.body);
    const callbackUrl = await callbackUrlOf(body, network);
    // A budget that is not a whole number of credits is refused (400 INVALID_REQUEST), never ignored.
    const { maxCredits } = parseRequest(runBodySchema.pick({ maxCredits: true }), { maxCredits: body.maxCredits });
    await serveRun(ctx, { db, temporal, admissions, ...(deps.events ? { events: deps.events } : {}), ...(deps.media ? { media: deps.media } : {}) }, {
      auth,
      workflow,
      triggerType: 'api',
      inputs: body.inputs,
      runAsync,
      receivedAtMs,
      ...(callbackUrl ? { callbackUrl } : {}),
      ...(maxCredits !== undefined ? { maxCredits } : {}),
      ...(/(^|,)\s*no-cache\s*(,|$)/i.test(ctx.get('cache-control')) ? { cacheBypass: true } : {}),
    });
  });

  router.post('/:slug/estimate', async (ctx) => {
    const { auth, workflow } = await findWorkflow(ctx);
    let inputs: unknown;
    let bodyRefusal: Refusal | undefined;
    try {
      inputs = runBodyOf(ctx.request.body).inputs;
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      // A missing `inputs` is one of the refusals to report, not a reason not to price the run.
      bodyRefusal = err;
    }
    const rawBudget = ctx.request.body && typeof ctx.request.body === 'object' ? (ctx.request.body as Record<string, unknown>).maxCredits : undefined;
    const { maxCredits } = parseRequest(runBodySchema.pick({ maxCredits: true }), { maxCredits: rawBudget });
    const estimate = await admissions.estimate({ account: auth.account, workflow, inputs, ...(bodyRefusal ? { bodyRefusal } : {}), ...(maxCredits !== undefined ? { maxCredits } : {}) });
    ctx.body = { ...estimate, refusals: estimate.refusals.map(refusalView) };
  });

  // A slug that cannot exist is a 404 like an unknown one, so slugs cannot be probed.
  mountRoute(router, workflowSchemaRoute, { refuse: { params: (raw) => notFound(`Workflow "${String(raw.slug ?? '')}"`) } }, async (ctx) => {
    const workflow = await findRunnableWorkflow(db, ctx.state.auth, ctx.state.input.params.slug);
    const plan = planOrRefuse(workflow.graph);
    const fields = inputFieldsOfPlan(parseCanvasGraph(workflow.graph), plan);
    ctx.body = {
      success: true,
      slug: workflow.slug,
      name: workflow.name,
      fields: fields.map((field) => ({
        name: field.name,
        type: field.type,
        required: field.required && field.default === undefined,
        ...(field.description ? { description: field.description } : {}),
        ...(field.enum ? { enum: field.enum } : {}),
        ...(field.default !== undefined ? { default: field.default } : {}),
      })),
      inputSchema: inputsJsonSchema(fields),
    } satisfies WorkflowSchemaResponse;
  });

  return router;
}

/** The body's optional `callbackUrl`, checked (400 INVALID_CALLBACK_URL when unusable). */
async function callbackUrlOf(body: Record<string, unknown>, network: NetworkPolicy): Promise<string | undefined> {
  const raw = body.callbackUrl;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string') throw invalidCallbackUrl('callbackUrl must be a string URL.');
  try {
    return (await checkCallbackUrl(raw, network)).toString();
  } catch (err) {
    if (err instanceof CallbackUrlError) throw invalidCallbackUrl(err.message);
    throw err;
  }
}
