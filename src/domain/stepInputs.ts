// Resolving a step's inputs from upstream outputs, and the pure steps computed inside the workflow.
// Deterministic: imported by workflow code.
import { findInlineRun } from '../nodes/inlineRuns';
import { renderTemplate } from './template';
import type { PlanStep, StepOutput } from './types';

/** The values on a step's input ports, gathered from upstream outputs. A port fed twice gets an array. */
export function resolveStepInputs(step: PlanStep, outputs: ReadonlyMap<string, StepOutput>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  const counts = new Map<string, number>();
  for (const binding of step.inputs) counts.set(binding.port, (counts.get(binding.port) ?? 0) + 1);
  for (const binding of step.inputs) {
    const value = outputs.get(binding.sourceNodeId)?.[binding.sourcePort];
    if ((counts.get(binding.port) ?? 0) > 1) ((values[binding.port] ??= []) as unknown[]).push(value);
    else values[binding.port] = value;
  }
  return values;
}

/** Computes the output of an inline step with its node type's pure computation (src/nodes/inlineRuns.ts, no schemas: workflow code). */
export function runInlineStep(step: PlanStep, inputs: Record<string, unknown>, runInputs: Record<string, unknown>): StepOutput {
  const run = findInlineRun(step.nodeType);
  if (!run) throw new Error(`Step "${step.id}" of type ${step.nodeType} is not an inline step.`);
  return run({ stepId: step.id, config: step.config, inputs, runInputs });
}

/** The prompt of a generation step: `config.prompt` rendered with the inputs, else the `prompt` input. */
export function promptOf(step: Pick<PlanStep, 'config'>, inputs: Record<string, unknown>): string {
  // A blank prompt box counts as unset, as the planner treats it: the wired `prompt` input wins.
  if (typeof step.config.prompt === 'string' && step.config.prompt.trim() !== '') return renderTemplate(step.config.prompt, inputs);
  const prompt = inputs.prompt;
  if (prompt === undefined || prompt === null) return '';
  return typeof prompt === 'string' ? prompt : JSON.stringify(prompt);
}
