// The checks a run request must pass before any credits move, shared by admission and the cost
// estimate: the canvas plans (INVALID_WORKFLOW) and the inputs fit its Request Input fields
// (INVALID_INPUTS).
import { parseCanvasGraph } from '../domain/canvas';
import { InputValidationError, PlanError } from '../domain/errors';
import { invalidInputs, invalidWorkflow } from '../domain/refusals';
import { inputFieldsOfPlan, validateInputs } from '../domain/inputs';
import { planRun } from '../domain/planner';
import type { Plan } from '../domain/types';

/** The run's inputs checked against the plan's Request Input fields (INVALID_INPUTS), with defaults applied. */
export function validateRunInputs(request: { workflow: { graph: unknown }; inputs: unknown; plan?: Plan }, plan: Plan): Record<string, unknown> {
  try {
    // A recorded plan carries its Request Input configs, so replays validate against what they ran.
    const graph = request.plan
      ? { nodes: plan.steps.map((step) => ({ id: step.id, type: step.nodeType, config: step.config })), edges: [] }
      : parseCanvasGraph(request.workflow.graph);
    return validateInputs(inputFieldsOfPlan(graph, plan), request.inputs);
  } catch (err) {
    if (err instanceof InputValidationError) throw invalidInputs(err.message, err.fields);
    if (err instanceof PlanError) throw invalidWorkflow(err.code, err.message, err.details);
    throw err;
  }
}

/** Plans the graph, turning planning errors into INVALID_WORKFLOW refusals. */
export function planOrRefuse(graph: unknown, targetNodeId?: string): Plan {
  try {
    return planRun(parseCanvasGraph(graph), targetNodeId);
  } catch (err) {
    if (err instanceof PlanError) throw invalidWorkflow(err.code, err.message, err.details);
    throw err;
  }
}
