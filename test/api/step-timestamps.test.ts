// Step records tell the truth about time: every step starts before it finishes, and a step that
// takes time shows it, whether its attempt was fast (its progress handed to the mirror with its
// settlement) or slow (written by the attempt itself).
import assert from 'node:assert/strict';
import { startTestApi, type TestApi } from '../support/api';
import { buildAccount, buildApiKey, buildWorkflow, chain } from '../support/fixtures';

describe('step timestamps', function () {
  let api: TestApi;

  before(async () => {
    api = await startTestApi();
    const account = await buildAccount(api.engine.db, { tier: 'enterprise' });
    void account;
  });
  after(async () => api?.close());

  for (const [label, delayMs] of [
    ['fast (under the first-write delay, handed over to the mirror)', 30],
    ['slow (written by the attempt itself)', 400],
  ] as const) {
    it(`orders startedAt before finishedAt and records real durations for ${label} steps`, async () => {
      const account = await buildAccount(api.engine.db, { tier: 'enterprise' });
      const slug = (
        await buildWorkflow(
          api.engine.db,
          account.id,
          chain(
            [
              { id: 'first', type: 'text-generation', config: { model: 'sandbox-text', prompt: `one {{topic}} ${delayMs}`, sandbox: { delayMs } } },
              { id: 'second', type: 'text-generation', config: { model: 'sandbox-text', prompt: `two {{first}} ${delayMs}`, sandbox: { delayMs } }, from: ['first'] },
              { id: 'image', type: 'image-generation', config: { model: 'sandbox-image', prompt: `three {{second}} ${delayMs}`, sandbox: { delayMs } }, from: ['second'] },
            ],
            'image',
          ),
        )
      ).slug;
      const ownKey = (await buildApiKey(api.engine.db, account.id)).secret;
      for (let run = 0; run < 3; run++) {
        const response = await api.request('POST', `/api/workflows/${slug}/run`, { headers: { 'x-api-key': ownKey }, body: { inputs: { topic: `t${run}` } } });
        assert.equal(response.status, 200, JSON.stringify(response.body));
        const view = await api.request('GET', `/api/executions/${response.body.executionId}`, { headers: { 'x-api-key': ownKey } });
        for (const step of view.body.execution.steps as Array<{ id: string; status: string; startedAt: string | null; finishedAt: string | null }>) {
          if (step.status !== 'completed') continue;
          assert.ok(step.startedAt && step.finishedAt, JSON.stringify(step));
          const took = Date.parse(step.finishedAt) - Date.parse(step.startedAt);
          assert.ok(took >= 0, `${step.id} started after it finished: ${JSON.stringify(step)}`);
          if (['first', 'second', 'image'].includes(step.id)) {
            assert.ok(took >= delayMs, `${step.id} took ${delayMs} ms but its record says ${took} ms`);
          }
        }
      }
    });
  }
});
