// Vendor capacity across workers, end to end: real API, two real Temporal workers sharing one
// Postgres, and a fake Replicate (driven through the official client) that counts the predictions
// running at once and answers 429 on demand.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CanvasGraph } from '../../src/domain/types';
import { renderMetrics } from '../../src/observability/metrics';
import { startTestApi, type TestApi } from '../support/api';
import { ended, executionReader } from '../support/executions';
import { startFakeReplicate, type FakeReplicate } from '../support/fakeReplicate';
import { buildAccount, buildApiKey, buildWorkflow } from '../support/fixtures';

describe('vendor capacity shared by workers (VENDOR_CONCURRENCY=replicate=2, two workers)', function () {
  let fake: FakeReplicate;
  let api: TestApi;
  let key: string;
  let accountId: string;

  before(async () => {
    fake = await startFakeReplicate();
    api = await startTestApi({
      allowPrivateNetworks: true,
      workers: 2,
      vendorConcurrency: { replicate: 2 },
      vendors: { replicate: { apiToken: fake.token, webhookSecret: fake.webhookSecret, baseUrl: fake.baseUrl } },
      vendorDefaults: { replicate: { credits: 1, minTier: 'pro' }, fal: { credits: 1, minTier: 'pro' } },
    });
    const account = await buildAccount(api.engine.db, { tier: 'enterprise', creditBalance: 10_000 });
    accountId = account.id;
    key = (await buildApiKey(api.engine.db, account.id)).secret;
  });
  after(async () => {
    await api?.close();
    await fake?.close();
  });

  const auth = () => ({ 'x-api-key': key });
  const { waitFor, get } = executionReader(() => api, auth);
  /** `count` image steps in parallel, each feeding its own output. */
  const parallel = (count: number): CanvasGraph => ({
    nodes: [
      { id: 'input', type: 'request-input', config: { fields: [{ name: 'topic', type: 'string', required: true }] } },
      ...Array.from({ length: count }, (_, i) => [
        { id: `art${i}`, type: 'image-generation', config: { model: 'replicate:acme/painter', prompt: `${i} {{topic}}`, pollAfterMs: 600_000 } },
        { id: `out${i}`, type: 'response-output', config: {} },
      ]).flat(),
    ],
    edges: Array.from({ length: count }, (_, i) => [
      { source: 'input', sourcePort: 'topic', target: `art${i}`, targetPort: 'topic' },
      { source: `art${i}`, sourcePort: 'image', target: `out${i}`, targetPort: 'image' },
    ]).flat(),
  });
  const start = async (graph: CanvasGraph) => {
    const workflow = await buildWorkflow(api.engine.db, accountId, graph);
    const response = await api.request('POST', `/api/workflows/${workflow.slug}/run?async=true`, { body: { inputs: { topic: 'tides' } }, headers: auth() });
    assert.equal(response.status, 202, JSON.stringify(response.body));
    return response.body.executionId as string;
  };

  it('never has more than 2 Replicate jobs in flight for 10 parallel steps, shows the waiting steps, and completes them all', async () => {
    fake.maxInFlight = 0;
    fake.behave(() => ({ delayMs: 300 }));
    const waits = async () => Number(/^builder_vendor_capacity_waits_total\{vendor="replicate"\} (\S+)$/m.exec(await renderMetrics())?.[1] ?? 0);
    const waitsBefore = await waits();
    const creates = fake.creates;
    try {
      const ids = await Promise.all([start(parallel(5)), start(parallel(5))]);
      let sawCapacityWait: unknown;
      for (const deadline = Date.now() + 60_000; Date.now() < deadline && !sawCapacityWait; ) {
        const execution = await get(ids[0]!);
        sawCapacityWait = execution.steps.find((step: any) => step.status === 'waiting' && step.waitingOn?.type === 'vendor-capacity')?.waitingOn;
        if (ended(execution)) break;
        await sleep(20);
      }
      const executions = await Promise.all(ids.map((id) => waitFor(id, ended, 90_000)));
      for (const execution of executions) assert.equal(execution.status, 'completed', JSON.stringify(execution.error));
      assert.equal(fake.creates - creates, 10);
      assert.ok(fake.maxInFlight <= 2, `at most 2 predictions ran at once (saw ${fake.maxInFlight})`);
      assert.equal(fake.maxInFlight, 2, 'the two slots were used');
      assert.deepEqual(sawCapacityWait && { type: (sawCapacityWait as any).type, vendor: (sawCapacityWait as any).vendor }, { type: 'vendor-capacity', vendor: 'replicate' });
      assert.ok((await waits()) - waitsBefore >= 1, 'builder_vendor_capacity_waits_total counts the waits');
      const leases = await api.engine.db.vendorLease.count();
      assert.equal(leases, 0, 'every slot was given back');
    } finally {
      fake.behave(() => ({}));
    }
  });

  it('pauses Replicate for every worker until the Retry-After of a 429, then completes the runs', async () => {
    fake.behave(() => ({ delayMs: 100 }));
    fake.createAnswers.push({ answer: '429', retryAfter: 2 });
    const before = fake.createRequests.length;
    try {
      const ids = await Promise.all([start(parallel(2)), start(parallel(2))]);
      const executions = await Promise.all(ids.map((id) => waitFor(id, ended, 90_000)));
      for (const execution of executions) assert.equal(execution.status, 'completed', JSON.stringify(execution.error));
      const requests = fake.createRequests.slice(before);
      const throttled = requests.find((request) => request.answer === '429');
      assert.ok(throttled, 'the fake answered one create with 429');
      // Creates already sent when the 429 came may land just after it; none may start during the pause.
      const duringPause = requests.filter((request) => request.at > throttled.at + 250 && request.at < throttled.at + 1_900);
      assert.deepEqual(duringPause, [], 'no worker sent a create while Replicate was paused');
      assert.ok(requests.some((request) => request.at >= throttled.at + 1_900), 'creates went on after the pause');
    } finally {
      fake.behave(() => ({}));
    }
  });
});
