// The workflows an API key may run, with their input fields: `GET /api/workflows`, MCP's list and the CLI's `workflows list`.
import type { WorkflowListResponse } from '../contract/workflows';
import type { Db } from '../db/client';
import { parseCanvasGraph } from '../domain/canvas';
import { inputFieldsOfPlan } from '../domain/inputs';
import { Refusal } from '../domain/refusals';
import { canRunWorkflow } from './apiKeys';
import { planOrRefuse } from './runChecks';

/** The account's workflows the capabilities allow running, by slug; a canvas that cannot be planned says why instead of listing inputs. */
export async function listRunnableWorkflows(db: Db, accountId: string, capabilities: readonly string[]): Promise<WorkflowListResponse['workflows']> {
  const rows = await db.workflow.findMany({ where: { accountId }, orderBy: { slug: 'asc' } });
  return rows
    .filter((row) => canRunWorkflow(capabilities, row.slug))
    .map((row) => {
      const base = { slug: row.slug, name: row.name, canvasId: row.canvasId, updatedAt: row.updatedAt.toISOString() };
      try {
        const fields = inputFieldsOfPlan(parseCanvasGraph(row.graph), planOrRefuse(row.graph));
        return { ...base, inputs: fields.map(({ name, type, required, description }) => ({ name, type, required, ...(description ? { description } : {}) })) };
      } catch (err) {
        if (!(err instanceof Refusal)) throw err;
        return { ...base, invalid: { code: err.code, message: err.message } };
      }
    });
}
