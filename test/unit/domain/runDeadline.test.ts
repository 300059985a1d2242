import assert from 'node:assert/strict';
import { planRun } from '../../../src/domain/planner';
import { MAX_RETRY_AFTER_MS, needsRunTimer, planWorstCaseMs, scheduleMarginMs, stepWorstCaseMs } from '../../../src/domain/runDeadline';
import type { Plan, PlanStep } from '../../../src/domain/types';
import { edge, graph, node, requestInput, step } from './builders';

const textStep = (id: string, overrides: Partial<PlanStep> = {}): PlanStep =>
  step({
    id,
    nodeType: 'text-generation',
    kind: 'activity',
    activity: 'generateText',
    timeoutMs: 120_000,
    retry: { initialIntervalMs: 1_000, backoffCoefficient: 2, maximumIntervalMs: 30_000, maximumAttempts: 3, nonRetryableErrorTypes: [] },
    ...overrides,
  } as Partial<PlanStep> & Pick<PlanStep, 'id' | 'nodeType'>);

/** The benchmark's DAG: a; then b and c; then d (text steps), then an inline output. */
function dag(): Plan {
  return planRun(
    graph(
      [
        requestInput('input', [{ name: 'topic', type: 'string' }]),
        node('a', 'text-generation'),
        node('b', 'text-generation'),
        node('c', 'text-generation'),
        node('d', 'text-generation'),
        node('output', 'response-output'),
      ],
      [
        edge('input.topic', 'a.prompt'),
        edge('a.text', 'b.prompt'),
        edge('a.text', 'c.prompt'),
        edge('b.text', 'd.prompt'),
        edge('c.text', 'd.system'),
        edge('d.text', 'output.value'),
      ],
    ),
  );
}

describe('run deadline', () => {
  it('counts a provider step at every attempt timing out and every backoff at its longest, a capped Retry-After included', () => {
    // 3 attempts of 120 s; two backoffs, each the longest of the policy's (1 s, 2 s) and the longest Retry-After honoured, plus Temporal's 1 s timer shift.
    assert.equal(stepWorstCaseMs(textStep('a')), 3 * 120_000 + 2 * (MAX_RETRY_AFTER_MS + 1_000));
    assert.equal(stepWorstCaseMs(textStep('a', { retry: { initialIntervalMs: 100_000, backoffCoefficient: 2, maximumIntervalMs: 150_000, maximumAttempts: 3, nonRetryableErrorTypes: [] } })), 3 * 120_000 + 101_000 + 151_000);
    assert.equal(stepWorstCaseMs(textStep('a', { retry: { initialIntervalMs: 1_000, backoffCoefficient: 2, maximumIntervalMs: 30_000, maximumAttempts: 1, nonRetryableErrorTypes: [] } })), 120_000);
  });

  it('counts inline steps as instant and job steps (vendor waits) as unbounded', () => {
    assert.equal(stepWorstCaseMs(step({ id: 't', nodeType: 'template' })), 0);
    assert.equal(stepWorstCaseMs(step({ id: 'v', nodeType: 'video-generation', kind: 'job' } as Partial<PlanStep> & Pick<PlanStep, 'id' | 'nodeType'>)), Infinity);
  });

  it('adds up the longest step of each group, and leaves out the steps a replay reuses', () => {
    const plan = dag();
    const text = stepWorstCaseMs(plan.steps.find((s) => s.id === 'a')!);
    assert.equal(planWorstCaseMs(plan, new Set()), 3 * text);
    assert.equal(planWorstCaseMs(plan, new Set(['a'])), 2 * text);
    assert.equal(planWorstCaseMs(plan, new Set(['a', 'b', 'c', 'd'])), 0);
  });

  it('needs no timer when the steps cannot outlast the run timeout, and one when they could', () => {
    const plan = dag();
    // Three levels of text steps (about 24 min at worst) under the default 30 min run timeout: no timer.
    assert.equal(needsRunTimer(plan, new Set(), 30 * 60_000), false);
    assert.equal(needsRunTimer(plan, new Set(), 60_000), true);
    // The margin for scheduling counts too: a worst case just under the timeout still gets a timer.
    const worst = planWorstCaseMs(plan, new Set());
    assert.equal(needsRunTimer(plan, new Set(), worst + 1), true);
    assert.equal(scheduleMarginMs(30 * 60_000), 60_000);
    assert.equal(scheduleMarginMs(10_000), 1_000);
  });

  it('keeps the timer for a run with a job step, however long its timeout', () => {
    const plan: Plan = { targetNodeId: 'v', steps: [step({ id: 'v', nodeType: 'video-generation', kind: 'job' } as Partial<PlanStep> & Pick<PlanStep, 'id' | 'nodeType'>)], groups: [['v']] };
    assert.equal(needsRunTimer(plan, new Set(), 24 * 3_600_000), true);
  });
});
