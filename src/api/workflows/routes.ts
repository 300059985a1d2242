// Public workflow routes: run a workflow, read its input schema.
import Router from '@koa/router';
import type { Context } from 'koa';
import { parseCanvasGraph } from '../../domain/canvas';
import { inputFieldsOfPlan, inputsJsonSchema } from '../../domain/inputs';
import { planOrRefuse } from '../../services/admission';
import { canRunWorkflow } from '../../services/apiKeys';
import { loadExecutionView } from '../../services/executionView';
import type { ApiDeps } from '../context';
import { capabilityDenied, engineUnavailable, executionFailed, invalidInputs, notFound } from '../errors';
import { requireApiKey, type AuthState } from '../middleware/apiKey';
import { runQuerySchema, slugSchema } from './schema';

/** Routes under /api/workflows. */
export function workflowRoutes(deps: ApiDeps): Router {
  const { db, admissions, temporal } = deps;
  const router = new Router({ prefix: '/api/workflows' });
  router.use(requireApiKey(db));

  /** Finds the caller's workflow by slug after the capability check (so other accounts' slugs look absent). */
  async function findWorkflow(ctx: Context) {
    const auth = ctx.state.auth as AuthState;
    const slug = String(ctx.params.slug);
    if (!slugSchema.safeParse(slug).success) throw notFound(`Workflow "${slug}"`);
    if (!canRunWorkflow(auth.capabilities, slug)) throw capabilityDenied(slug);
    const workflow = await db.workflow.findUnique({ where: { accountId_slug: { accountId: auth.account.id, slug } } });
    if (!workflow) throw notFound(`Workflow "${slug}"`);
    return { auth, workflow };
  }

  router.post('/:slug/run', async (ctx) => {
    const receivedAtMs = Number(ctx.state.receivedAtMs ?? Date.now());
    const { auth, workflow } = await findWorkflow(ctx);
    const query = runQuerySchema.safeParse(ctx.query);
    const runAsync = query.success && query.data.async === 'true';
    const body = (ctx.request as { body?: unknown }).body;
    if (body === null || typeof body !== 'object' || Array.isArray(body) || !('inputs' in body)) {
      throw invalidInputs('The request body must be an object with an "inputs" object.', [{ field: 'inputs', message: 'is required' }]);
    }
    const admission = await admissions.admit({
      account: auth.account,
      workflow,
      triggerType: 'api',
      inputs: (body as { inputs: unknown }).inputs,
      async: runAsync,
      receivedAtMs,
    });

    if (runAsync) {
      ctx.status = 202;
      ctx.body = {
        success: true,
        executionId: admission.executionId,
        status: 'planning',
        statusUrl: `/api/executions/${admission.executionId}`,
      };
      return;
    }

    try {
      await temporal.workflow.getHandle(admission.executionId).result();
    } catch {
      // Failed and cancelled runs end the workflow with a failure; the mirror holds the outcome.
    }
    const execution = await loadExecutionView(db, auth.account.id, admission.executionId);
    if (!execution) throw engineUnavailable('The run finished but its record could not be read.');
    if (execution.status !== 'completed') {
      const error = execution.error as { stepId?: string; message?: string } | null;
      throw executionFailed(
        execution.id,
        error,
        error?.stepId ? `Step "${error.stepId}" failed: ${error.message}` : (error?.message ?? `The run ended ${execution.status}.`),
      );
    }
    ctx.body = {
      success: true,
      executionId: execution.id,
      output: execution.output,
      creditsUsed: execution.creditsUsed,
      durationMs: execution.durationMs,
    };
  });

  router.get('/:slug/schema', async (ctx) => {
    const { workflow } = await findWorkflow(ctx);
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
    };
  });

  return router;
}
