import assert from 'node:assert/strict';
import { planRun } from '../../../src/domain/planner';
import { finalStepOf, runEndOf, runEndPlanOf } from '../../../src/domain/runEnd';
import type { StepOutput } from '../../../src/domain/types';
import { chain, sandboxVideoCanvas } from '../../support/fixtures';

const text = (id: string, from: string[]) => ({ id, type: 'text-generation', config: { prompt: `${id}` }, from });
const run = { runInputs: { topic: 'otters' }, seq: 7, receivedAtMs: 1_000, workflowId: 'wf_1' };

describe("a run's end written by its final step", () => {
  describe('finalStepOf', () => {
    it('names the only provider step of the last group that has one, when only inline steps follow it', () => {
      const plan = planRun(chain([text('a', ['input']), text('b', ['a']), text('c', ['a']), text('d', ['b', 'c'])], 'd'));
      assert.equal(finalStepOf(plan, new Set()), 'd');
      const withTemplate = planRun(chain([text('a', ['input']), { id: 't', type: 'template', config: { template: '<{{a}}>' }, from: ['a'] }], 't'));
      assert.equal(finalStepOf(withTemplate, new Set()), 'a');
    });

    it('names none when the last provider steps run in parallel, the last one is a job, a later step is reused, or no step is a provider step', () => {
      const parallel = planRun(chain([text('a', ['input']), text('b', ['input']), { id: 't', type: 'template', config: { template: '{{a}}{{b}}' }, from: ['a', 'b'] }], 't'));
      assert.equal(finalStepOf(parallel, new Set()), undefined);
      const job = planRun(sandboxVideoCanvas({}));
      assert.equal(finalStepOf(job, new Set()), undefined);
      const chained = planRun(chain([text('a', ['input']), text('b', ['a'])], 'b'));
      assert.equal(finalStepOf(chained, new Set(['b'])), undefined);
      assert.equal(finalStepOf(chained, new Set(['a'])), 'b', 'an earlier reused step does not matter');
      const inline = planRun(chain([{ id: 't', type: 'template', config: { template: '{{topic}}' } }], 't'));
      assert.equal(finalStepOf(inline, new Set()), undefined);
    });
  });

  describe('runEndPlanOf and runEndOf', () => {
    it('settles the inline steps after the final step in the order the workflow walks them, then completes the run with its output', () => {
      const plan = planRun(
        chain([text('a', ['input']), text('d', ['a']), { id: 't', type: 'template', config: { template: '{{a}} + {{d}}' }, from: ['a', 'd'] }], 't'),
      );
      const outputs = new Map<string, StepOutput>([
        ['input', { topic: 'otters' }],
        ['a', { text: 'A' }],
      ]);
      const end = runEndPlanOf(plan, 'd', outputs, run);
      assert.deepEqual(end.tail.map((step) => step.id), ['t', 'output']);
      assert.deepEqual(end.outputs, { a: { text: 'A' } }, 'only what the tail and the output read travel with the step');
      const { changes, output, durationMs } = runEndOf(end, 'd', { text: 'D' }, 5_000);
      assert.deepEqual(
        changes.map((change) => (change.kind === 'step' ? `step ${change.patch.stepId} ${change.patch.status}` : `${change.kind} ${change.kind === 'run' ? `${change.patch.status} #${change.patch.seq}` : ''}`)),
        ['step t completed', 'step output completed', 'run completed #7'],
      );
      assert.equal(output, 'A + D');
      assert.equal(durationMs, 4_000);
      const runChange = changes.at(-1)!;
      assert.ok(runChange.kind === 'run');
      assert.deepEqual(runChange.patch, { finishedAtMs: 5_000, durationMs: 4_000, output: 'A + D', status: 'completed', seq: 7 });
    });

    it('throws when an inline step after the final step fails, so the workflow ends the run itself', () => {
      const plan = planRun(chain([text('a', ['input']), { id: 't', type: 'template', config: { template: '{{a}}' }, from: ['a'] }], 't'));
      const end = runEndPlanOf(plan, 'a', new Map(), run);
      const broken = { ...end, tail: end.tail.map((step) => ({ ...step, nodeType: 'no-such-node' })) };
      assert.throws(() => runEndOf(broken, 'a', { text: 'A' }, 2_000), /not an inline step/);
    });
  });
});
