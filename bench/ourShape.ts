// What one of our runs carries in Temporal besides its four steps, for the bare DAG that carries
// the same (bench/activityExtras.ts, and the DAG bench's `shaped` system): the start options
// admission sets (src/services/admission.ts) and every activity extra and history extra of
// bareDagCarrying (bench/bareWorkflow.ts).
import type { ActivityExtras, EchoActivities } from './bareWorkflow';
import { runPriority } from '../src/services/runPriority';
import { ACCOUNT_ID, CANVAS_ID, RUN_STATUS, TRIGGER_TYPE, WORKFLOW_SLUG } from '../src/workflows/searchAttributes';

/**
 * Our text step's activity extras and our run's history extras, all at once. Since the
 * `final-step-ends-run` patch our run's history ends without a local activity (its final step
 * writes the run's end): the patch marker, the run-timeout timer and the end upsert remain.
 */
export const OUR_EXTRAS: ActivityExtras = { heartbeat: true, policy: true, inputBytes: 1500, resultBytes: 400, history: ['patch', 'timer', 'upsert'] };

/** The activities bareDagCarrying calls: each returns a result of the asked size. */
export const echoActivities: EchoActivities = { echo: async (_input, resultBytes) => 'y'.repeat(resultBytes) };

/** What of admission's start options a bare start carries (all by default). */
export type StartPart = 'input' | 'attributes' | 'fairness';

/** Every part of admission's start options. */
export const OUR_START: readonly StartPart[] = ['input', 'attributes', 'fairness'];

/** Start arguments and options as admission's: a 7 KB input, search attributes, memo and summaries, a fairness key. */
export function ourStart(extras: ActivityExtras, parts: readonly StartPart[] = OUR_START): { args: [ActivityExtras] | [ActivityExtras, string]; extra: Record<string, unknown> } {
  return {
    args: parts.includes('input') ? [extras, 'x'.repeat(7_000)] : [extras],
    extra: {
      ...(parts.includes('attributes') ? attributes : {}),
      ...(parts.includes('fairness') ? { priority: runPriority({ id: 'acct_bench', tier: 'pro' }) } : {}),
    },
  };
}

const attributes = {
  typedSearchAttributes: [
    { key: TRIGGER_TYPE, value: 'api' },
    { key: WORKFLOW_SLUG, value: 'bench-dag' },
    { key: ACCOUNT_ID, value: 'acct_bench' },
    { key: CANVAS_ID, value: 'canvas_bench' },
    { key: RUN_STATUS, value: 'running' },
  ],
  memo: { workflowName: 'Bench DAG', targetNodeId: 'd', steps: 4 },
  staticSummary: 'Bench DAG (bench-dag) · api run of d',
  staticDetails: 'Steps: a → b + c → d',
};
