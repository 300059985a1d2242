// Credits by vendor run time, end to end: a Replicate model priced per second
// (replicate:bytedance/sdxl-lightning-4step: 1 credit a second, at most 5 s: a 5-credit hold) against
// a fake Replicate driven through the official client; real API, Temporal worker, Postgres.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CanvasGraph } from '../../src/domain/types';
import { startTestApi, type TestApi } from '../support/api';
import { ended, executionReader } from '../support/executions';
import { startFakeReplicate, type FakeReplicate } from '../support/fakeReplicate';
import { buildAccount, buildApiKey, buildWorkflow } from '../support/fixtures';

describe('credits held, then captured by the seconds a per-second Replicate job ran', function () {
  let fake: FakeReplicate;
  let api: TestApi;
  let key: string;
  let accountId: string;
  let slug: string;

  before(async () => {
    fake = await startFakeReplicate();
    api = await startTestApi({
      allowPrivateNetworks: true,
      vendors: { replicate: { apiToken: fake.token, webhookSecret: fake.webhookSecret, baseUrl: fake.baseUrl } },
    });
    const account = await buildAccount(api.engine.db, { tier: 'pro', creditBalance: 1_000 });
    accountId = account.id;
    key = (await buildApiKey(api.engine.db, account.id)).secret;
    const graph: CanvasGraph = {
      nodes: [
        { id: 'input', type: 'request-input', config: { fields: [{ name: 'topic', type: 'string', required: true }] } },
        // Webhooks only: the budget stop must reach the step through the vendor's `canceled` webhook.
        { id: 'art', type: 'image-generation', config: { model: 'replicate:bytedance/sdxl-lightning-4step', prompt: '{{topic}}', pollAfterMs: 600_000, timeoutMs: 60_000 } },
        { id: 'output', type: 'response-output', config: {} },
      ],
      edges: [
        { source: 'input', sourcePort: 'topic', target: 'art', targetPort: 'topic' },
        { source: 'art', sourcePort: 'image', target: 'output', targetPort: 'image' },
      ],
    };
    slug = (await buildWorkflow(api.engine.db, accountId, graph)).slug;
  });
  after(async () => {
    await api?.close();
    await fake?.close();
  });

  const auth = () => ({ 'x-api-key': key });
  const { waitFor } = executionReader(() => api, auth);
  const start = async () => {
    const response = await api.request('POST', `/api/workflows/${slug}/run?async=true`, { body: { inputs: { topic: 'tides' } }, headers: auth() });
    assert.equal(response.status, 202, JSON.stringify(response.body));
    return response.body.executionId as string;
  };
  const ledger = async (executionId: string) =>
    Object.fromEntries((await api.engine.db.creditLedgerEntry.findMany({ where: { executionId } })).map((entry) => [entry.kind, entry.amount]));

  it('captures the 1 credit of a 0.4 s prediction (metrics.predict_time) from its 5-credit hold and releases 4', async () => {
    fake.behave(() => ({ predictTime: 0.4 }));
    try {
      const id = await start();
      const execution = await waitFor(id, ended);
      assert.equal(execution.status, 'completed', JSON.stringify(execution.error));
      assert.equal(execution.creditsUsed, 1);
      assert.deepEqual(await ledger(id), { debit: 5, hold: 5, capture: 1, release: 4 });
    } finally {
      fake.behave(() => ({}));
    }
  });

  it('captures the whole hold when predict_time is not a usable number', async () => {
    fake.behave(() => ({ predictTime: -3 }));
    try {
      const id = await start();
      const execution = await waitFor(id, ended);
      assert.equal(execution.status, 'completed', JSON.stringify(execution.error));
      assert.equal(execution.creditsUsed, 5);
      assert.deepEqual(await ledger(id), { debit: 5, hold: 5, capture: 5 });
    } finally {
      fake.behave(() => ({}));
    }
  });

  it('cancels at Replicate a prediction still running past the 5 s its hold pays for, and fails the run with BUDGET_EXCEEDED, refunded', async () => {
    fake.behave(() => ({ outcome: 'hang' }));
    try {
      const started = Date.now();
      const id = await start();
      // Polled in the database: Pro's 100 requests a minute would not last the wait through the API.
      for (let i = 0; i < 600 && !['completed', 'error', 'cancelled'].includes((await api.engine.db.execution.findUniqueOrThrow({ where: { id } })).status); i++) await sleep(50);
      const execution = (await api.request('GET', `/api/executions/${id}`, { headers: auth() })).body.execution;
      assert.equal(execution.status, 'error');
      assert.equal(execution.error.type, 'BUDGET_EXCEEDED');
      assert.equal(execution.error.stepId, 'art');
      assert.ok(Date.now() - started >= 5_000, 'not before its 5 s');
      const prediction = [...fake.predictions.values()].at(-1)!;
      for (let i = 0; i < 100 && !fake.cancels.includes(prediction.id); i++) await sleep(20);
      assert.ok(fake.cancels.includes(prediction.id), 'POST /v1/predictions/{id}/cancel reached Replicate');
      assert.equal(prediction.status, 'canceled');
      assert.equal(execution.creditsUsed, 0);
      assert.equal(execution.creditsRefunded, 5);
    } finally {
      fake.behave(() => ({}));
    }
  });
});
