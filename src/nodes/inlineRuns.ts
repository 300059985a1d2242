// The computations of inline steps, by node type: what the run workflow executes. Apart from the node
// modules (which hold their config schemas, in zod) because the workflow bundle's modules are
// evaluated again for every run the worker starts: schemas built there cost each run ~10 ms of the
// workflow thread's CPU (bench/dag.ts with BENCH_CPU_PROF). Nothing here may import a module with
// values from zod; test/unit/architecture/workflow-bundle.test.ts checks the bundle.
import type { NodeTypeId } from './registry';
import { renderTemplate } from './templateText';
import type { InlineContext, StepOutput } from './types';

/** One inline computation: deterministic, it runs inside the workflow. */
export type InlineRun = (context: InlineContext) => StepOutput;

/** Request Input and Webhook Trigger: the run's inputs (a webhook's are its body and headers). */
export const runInputsRun: InlineRun = ({ runInputs }) => ({ ...runInputs });

/** Template: `{{ name }}` placeholders from the inputs, optionally parsed as JSON. */
export const templateRun: InlineRun = ({ stepId, config, inputs }) => {
  const text = renderTemplate(typeof config.template === 'string' ? config.template : '', inputs);
  let json: unknown = null;
  if (config.format === 'json') {
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`Template "${stepId}" did not render valid JSON.`);
    }
  }
  return { text, json };
};

/** Response Output: the single input's value, or an object of all inputs when there are several or `wrap: true`. */
export const responseOutputRun: InlineRun = ({ config, inputs }) => {
  const names = Object.keys(inputs);
  if (names.length === 1 && config.wrap !== true) return { value: inputs[names[0]!] };
  return { value: inputs };
};

/** The inline computation of each node type that has one (the node modules point at the same functions). */
export const INLINE_RUNS: Partial<Record<NodeTypeId, InlineRun>> = {
  'request-input': runInputsRun,
  'webhook-trigger': runInputsRun,
  template: templateRun,
  'response-output': responseOutputRun,
};

/** The inline computation of a node type, or undefined (inherited object keys included). */
export function findInlineRun(type: string): InlineRun | undefined {
  return Object.hasOwn(INLINE_RUNS, type) ? INLINE_RUNS[type as NodeTypeId] : undefined;
}
