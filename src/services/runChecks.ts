// The checks a run request must pass before any credits move, shared by admission and the cost
// estimate: the canvas plans (INVALID_WORKFLOW) and the inputs fit its Request Input fields
// (INVALID_INPUTS).
import { parseCanvasGraph } from '../domain/canvas';
import { InputValidationError, PlanError } from '../domain/errors';
import { invalidInputs, invalidWorkflow } from '../domain/refusals';
import { inputFieldsOfPlan, validateInputs } from '../domain/inputs';
import { planRun } from '../domain/planner';
import type { Plan } from '../domain/types';
import { findNodeModule, nodeHasRole } from '../nodes/registry';

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

/**
 * Plans a canvas as it is saved, so a broken one is refused then (422 INVALID_WORKFLOW, the refusal
 * its first run would get) rather than at its first run: the default run (every Response Output
 * node), then each executable node the default run leaves out, whose config would otherwise go
 * unchecked until someone targets it.
 */
export function checkWorkflowGraph(graph: unknown): void {
  const canvas = (() => {
    try {
      return parseCanvasGraph(graph);
    } catch (err) {
      if (err instanceof PlanError) throw invalidWorkflow(err.code, err.message, err.details);
      throw err;
    }
  })();
  const executable = canvas.nodes.filter((node) => findNodeModule(node.type)?.executable);
  // Without a Response Output node nor anything to target, this is the run's own NO_TARGET (or UNKNOWN_NODE_TYPE) refusal.
  const hasOutput = canvas.nodes.some((node) => nodeHasRole(node.type, 'run-output'));
  const planned = new Set<string>(hasOutput || executable.length === 0 ? planOrRefuse(graph).steps.map((step) => step.id) : []);
  for (const node of executable) {
    if (planned.has(node.id)) continue;
    for (const step of planOrRefuse(graph, node.id).steps) planned.add(step.id);
  }
}
