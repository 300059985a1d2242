// The output cache end to end: a cached image node (`config.cache`) on OpenAI's gpt-image-1 against a
// fake OpenAI images endpoint; real API, Temporal worker, Postgres and media store.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { renderMetrics } from '../../src/observability/metrics';
import { startTestApi, type TestApi } from '../support/api';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fakeOpenAI';
import { buildAccount, buildApiKey, buildWorkflow, chain } from '../support/fixtures';

describe('the output cache of a cached image node', function () {
  let fake: FakeOpenAI;
  let api: TestApi;
  let key: string;
  let accountId: string;

  before(async () => {
    fake = await startFakeOpenAI();
    api = await startTestApi({ vendors: { openaiImages: { baseUrl: fake.baseUrl, apiKey: 'test-key' } } });
    const account = await buildAccount(api.engine.db, { tier: 'pro', creditBalance: 1_000 });
    accountId = account.id;
    key = (await buildApiKey(api.engine.db, account.id)).secret;
  });
  after(async () => {
    await api?.close();
    await fake?.close();
  });

  const workflow = (ttlSeconds: number) =>
    buildWorkflow(
      api.engine.db,
      accountId,
      chain([{ id: 'art', type: 'image-generation', config: { model: 'gpt-image-1', prompt: `A poster about {{topic}} ${Math.random()}`, cache: { ttlSeconds } } }], 'art'),
    );
  const run = async (slug: string, topic: string, headers: Record<string, string> = {}) => {
    const response = await api.request('POST', `/api/workflows/${slug}/run`, { body: { inputs: { topic } }, headers: { 'x-api-key': key, ...headers } });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const view = await api.request('GET', `/api/executions/${response.body.executionId}`, { headers: { 'x-api-key': key } });
    return { ...response.body, step: view.body.execution.steps.find((step: any) => step.id === 'art') };
  };
  const calls = () => fake.imageRequests().length;
  /** A counter's value in this process's /metrics text (0 when absent). */
  const counter = async (line: string) => Number(new RegExp(`^${line.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(await renderMetrics())?.[1] ?? 0);

  it('calls the vendor once for the same inputs twice: the second step is a hit at 0 credits with the same mediaId', async () => {
    const { slug } = await workflow(3600);
    const before = calls();
    const [hitsBefore, savedBefore, heldBefore] = await Promise.all([
      counter('builder_cache_hits_total{node_type="image-generation"}'),
      counter('builder_cache_credits_saved_total'),
      counter('builder_credits_held_total'),
    ]);
    const estimate = async (topic: string) =>
      (await api.request('POST', `/api/workflows/${slug}/estimate`, { body: { inputs: { topic } }, headers: { 'x-api-key': key } })).body.steps.find((step: any) => step.stepId === 'art');
    assert.equal((await estimate('tides')).cache, undefined, 'nothing cached yet');
    const first = await run(slug, 'tides');
    assert.equal(first.creditsUsed, 8);
    assert.equal(first.step.cache, null);
    assert.deepEqual((await estimate('tides')).cache, { hit: true, executionId: first.executionId, stepId: 'art' }, 'the estimate shows the hit');
    assert.equal((await estimate('other')).cache, undefined);
    const second = await run(slug, 'tides');
    assert.equal(calls() - before, 1, 'one vendor call');
    assert.equal(second.creditsUsed, 0);
    assert.deepEqual(second.step.cache, { hit: true, executionId: first.executionId, stepId: 'art' });
    assert.equal(second.output.mediaId, first.output.mediaId);
    assert.equal((await fetch(second.output.url)).status, 200, 'the reused media is served');
    const ledger = await api.engine.db.creditLedgerEntry.findMany({ where: { executionId: second.executionId } });
    assert.deepEqual(Object.fromEntries(ledger.map((entry) => [entry.kind, entry.amount])), { debit: 8, hold: 8, capture: 0, release: 8 });
    assert.equal((await counter('builder_cache_hits_total{node_type="image-generation"}')) - hitsBefore, 1);
    assert.equal((await counter('builder_cache_credits_saved_total')) - savedBefore, 8);
    assert.equal((await counter('builder_credits_held_total')) - heldBefore, 16, 'both runs held 8');
  });

  it('calls the vendor again for changed inputs, and for a run asked with Cache-Control: no-cache (which refreshes the entry)', async () => {
    const { slug } = await workflow(3600);
    const before = calls();
    const first = await run(slug, 'dunes');
    const changed = await run(slug, 'reefs');
    assert.equal(changed.step.cache, null);
    assert.equal(calls() - before, 2);
    const bypass = await run(slug, 'dunes', { 'cache-control': 'no-cache' });
    assert.equal(calls() - before, 3, 'no-cache called the vendor');
    assert.equal(bypass.step.cache, null);
    assert.equal(bypass.creditsUsed, 8);
    const after = await run(slug, 'dunes');
    assert.equal(calls() - before, 3);
    assert.deepEqual(after.step.cache, { hit: true, executionId: bypass.executionId, stepId: 'art' }, 'the no-cache run refreshed the entry');
    assert.notEqual(first.executionId, bypass.executionId);
  });

  it('calls the vendor again once the entry’s ttlSeconds have passed', async () => {
    const { slug } = await workflow(1);
    const before = calls();
    await run(slug, 'storms');
    await sleep(1_100);
    const expired = await run(slug, 'storms');
    assert.equal(calls() - before, 2);
    assert.equal(expired.step.cache, null);
    assert.equal(expired.creditsUsed, 8);
  });

  it('refuses a cache config that is not { ttlSeconds: a positive whole number } before anything runs', async () => {
    const bad = await buildWorkflow(
      api.engine.db,
      accountId,
      chain([{ id: 'art', type: 'image-generation', config: { model: 'gpt-image-1', prompt: 'x {{topic}}', cache: { ttlSeconds: -5 } } }], 'art'),
    );
    const response = await api.request('POST', `/api/workflows/${bad.slug}/run`, { body: { inputs: { topic: 'x' } }, headers: { 'x-api-key': key } });
    assert.equal(response.status, 422);
    assert.equal(response.body.error.code, 'INVALID_WORKFLOW');
    assert.match(JSON.stringify(response.body.error), /cache/);
  });
});
