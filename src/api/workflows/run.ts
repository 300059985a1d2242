// The parts of running a workflow over HTTP that every run route shares (the public API and the
// MCP agents' route): finding a workflow the key may run, the `inputs` body, and a sync outcome.
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/client';
import { canRunWorkflow } from '../../services/apiKeys';
import type { MediaUrlSigner } from '../../media/urls';
import { loadExecutionView, type ExecutionView } from '../../services/executionView';
import { capabilityDenied, engineUnavailable, executionFailed, invalidInputs, notFound } from '../errors';
import type { AuthState } from '../middleware/apiKey';
import { slugSchema } from './schema';

/** The caller's workflow by slug, after the capability check (so other accounts' slugs look absent). */
export async function findRunnableWorkflow(db: Db, auth: AuthState, slug: string) {
  if (!slugSchema.safeParse(slug).success) throw notFound(`Workflow "${slug}"`);
  if (!canRunWorkflow(auth.capabilities, slug)) throw capabilityDenied(slug);
  const workflow = await db.workflow.findUnique({ where: { accountId_slug: { accountId: auth.account.id, slug } } });
  if (!workflow) throw notFound(`Workflow "${slug}"`);
  return workflow;
}

/** The body's `inputs`; a body that is not an object with `inputs` is 400 INVALID_INPUTS. */
export function runBodyOf(body: unknown): Record<string, unknown> & { inputs: unknown } {
  if (body === null || typeof body !== 'object' || Array.isArray(body) || !('inputs' in body)) {
    throw invalidInputs('The request body must be an object with an "inputs" object.', [{ field: 'inputs', message: 'is required' }]);
  }
  return body as Record<string, unknown> & { inputs: unknown };
}

/** Waits for a sync run to end; returns it when completed, else throws 500 EXECUTION_FAILED naming the step and cause. */
export async function awaitCompletedRun(deps: { db: Db; temporal: Client; media?: { signer: MediaUrlSigner } }, accountId: string, executionId: string): Promise<ExecutionView> {
  // Failed and cancelled runs end the workflow with a failure; the mirror holds the outcome.
  await deps.temporal.workflow.getHandle(executionId).result().catch(() => undefined);
  const execution = await loadExecutionView(deps.db, accountId, executionId, deps.media?.signer);
  if (!execution) throw engineUnavailable('The run finished but its record could not be read.');
  if (execution.status !== 'completed') {
    const error = execution.error as { stepId?: string; message?: string } | null;
    throw executionFailed(
      execution.id,
      error,
      error?.stepId ? `Step "${error.stepId}" failed: ${error.message}` : (error?.message ?? `The run ended ${execution.status}.`),
    );
  }
  return execution;
}
