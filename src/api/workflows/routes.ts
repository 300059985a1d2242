// Public workflow routes: list the workflows a key may run, run one, read its input schema.
import Router from '@koa/router';
import { parseCanvasGraph } from '../../domain/canvas';
import { inputFieldsOfPlan, inputsJsonSchema } from '../../domain/inputs';
import { planOrRefuse } from '../../services/admission';
import { CallbackUrlError, checkCallbackUrl } from '../../providers/callbackUrl';
import type { NetworkPolicy } from '../../net/guardedFetch';
import type { ApiDeps, AuthedState } from '../context';
import { invalidCallbackUrl, notFound, refusalView } from '../errors';
import { requireApiKey } from '../middleware/apiKey';
import { mountRoute } from '../openapi/route';
import {
  estimateWorkflowRoute,
  runWorkflowRoute,
  slugParamsSchema,
  listWorkflowsRoute,
  WORKFLOW_CAPABILITY_DENIED,
  WORKFLOW_NOT_FOUND,
  workflowSchemaRoute,
  type WorkflowListResponse,
  type WorkflowSchemaResponse,
} from '../../contract/workflows';
import { listRunnableWorkflows } from '../../services/workflowList';
import { findRunnableWorkflow, inputsRequired, refuseWithoutInputs, runnableWorkflowFirst, serveRun, type RunnableState } from './run';

/** Routes under /api/workflows. */
export function workflowRoutes(deps: ApiDeps): Router {
  const { db, admissions, temporal } = deps;
  const network = { allowPrivateNetworks: deps.config.ALLOW_PRIVATE_NETWORKS ?? false, allowlist: deps.config.PRIVATE_NETWORK_ALLOWLIST ?? [] };
  const router = new Router<AuthedState>({ prefix: '/api/workflows' });
  router.use(requireApiKey(db));

  mountRoute(router, listWorkflowsRoute, {}, async (ctx) => {
    const { auth } = ctx.state;
    ctx.body = { success: true, workflows: await listRunnableWorkflows(db, auth.account.id, auth.capabilities) } satisfies WorkflowListResponse;
  });

  mountRoute(
    router,
    runWorkflowRoute,
    {
      before: [runnableWorkflowFirst(db)],
      refuse: {
        // The seed's codes: a body without an `inputs` object is INVALID_INPUTS, an unusable callbackUrl INVALID_CALLBACK_URL.
        body: (raw, issues) => {
          const inputs = refuseWithoutInputs(raw, issues);
          if (inputs) return inputs;
          if (issues.some((issue) => issue.path[0] === 'callbackUrl')) return invalidCallbackUrl(`callbackUrl must be a string URL (got ${typeof raw.callbackUrl}).`);
          return undefined;
        },
      },
    },
    async (ctx) => {
      const { receivedAtMs, auth, input } = ctx.state;
      const { workflow } = ctx.state as unknown as RunnableState;
      const { body } = input;
      const callbackUrl = await callbackUrlOf(body.callbackUrl, network);
      await serveRun(ctx, { db, temporal, admissions, ...(deps.events ? { events: deps.events } : {}), ...(deps.media ? { media: deps.media } : {}) }, {
        auth,
        workflow,
        triggerType: 'api',
        inputs: body.inputs,
        // `?async=maybe` is refused (400 INVALID_REQUEST) rather than quietly run sync.
        runAsync: input.query.async === 'true',
        receivedAtMs,
        ...(callbackUrl ? { callbackUrl } : {}),
        ...(body.maxCredits !== undefined ? { maxCredits: body.maxCredits } : {}),
        ...(/(^|,)\s*no-cache\s*(,|$)/i.test(input.headers['cache-control'] ?? '') ? { cacheBypass: true } : {}),
      });
    },
  );

  mountRoute(
    router,
    estimateWorkflowRoute,
    {
      before: [runnableWorkflowFirst(db)],
      // Any `inputs` is priced (a wrong one is a refusal to report); a body that is not an object is refused.
      refuse: { body: (_raw, issues) => (issues.some((issue) => issue.path.length === 0) ? inputsRequired() : undefined) },
    },
    async (ctx) => {
      const { auth, input } = ctx.state;
      const { workflow } = ctx.state as unknown as RunnableState;
      const { inputs, maxCredits } = input.body;
      // A missing `inputs` is one of the refusals to report, not a reason not to price the run.
      const bodyRefusal = inputs === undefined ? inputsRequired() : undefined;
      const estimate = await admissions.estimate({ account: auth.account, workflow, inputs, ...(bodyRefusal ? { bodyRefusal } : {}), ...(maxCredits !== undefined ? { maxCredits } : {}) });
      ctx.body = { ...estimate, refusals: estimate.refusals.map(refusalView) };
    },
  );

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
async function callbackUrlOf(raw: string | null | undefined, network: NetworkPolicy): Promise<string | undefined> {
  if (raw === undefined || raw === null) return undefined;
  try {
    return (await checkCallbackUrl(raw, network)).toString();
  } catch (err) {
    if (err instanceof CallbackUrlError) throw invalidCallbackUrl(err.message);
    throw err;
  }
}
