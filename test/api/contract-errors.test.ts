// Every error of the run API's documented table, caused through HTTP, with its status, code and
// headers; plus the authentication and capability refusals around it.
import assert from 'node:assert/strict';
import { TEXT_CHAIN } from '../../src/demo/workflows';
import type { CanvasGraph } from '../../src/domain/types';
import { startTestApi, type TestApi } from '../support/api';
import { buildAccount, buildApiKey, buildWorkflow, chain } from '../support/fixtures';
import { awayFromWindowEdge } from './rateLimitWindow';

const text = (config: Record<string, unknown> = {}) =>
  chain([{ id: 'gen', type: 'text-generation', config: { model: 'sandbox-text', prompt: 'About {{topic}}', ...config } }], 'gen');

/** input → callback-only video → output. */
const PUSH_VIDEO: CanvasGraph = {
  nodes: [
    { id: 'input', type: 'request-input', config: { fields: [{ name: 'topic', type: 'string', required: true }] } },
    { id: 'clip', type: 'video-generation', config: { model: 'sandbox-video-push', prompt: 'A clip about {{topic}}' } },
    { id: 'output', type: 'response-output', config: {} },
  ],
  edges: [
    { source: 'input', sourcePort: 'topic', target: 'clip', targetPort: 'topic' },
    { source: 'clip', sourcePort: 'video', target: 'output', targetPort: 'video' },
  ],
};

describe('run API contract: every documented error', function () {
  let api: TestApi;
  let accountId: string;
  let key: string;
  let slug: string;

  before(async () => {
    api = await startTestApi();
    const account = await buildAccount(api.engine.db, { tier: 'pro', creditBalance: 1_000 });
    accountId = account.id;
    key = (await buildApiKey(api.engine.db, account.id)).secret;
    slug = (await buildWorkflow(api.engine.db, account.id, text())).slug;
  });
  after(async () => api?.close());

  const run = (target: string, body: unknown, secret = key, query = '') =>
    api.request('POST', `/api/workflows/${target}/run${query}`, { body, headers: { 'x-api-key': secret } });

  /** The error shape plus the rate-limit headers every limited (non-Enterprise) answer carries. */
  function assertError(response: { status: number; body: any; headers: Headers }, status: number, code: string | undefined) {
    assert.equal(response.status, status, JSON.stringify(response.body));
    assert.equal(response.body.success, false);
    if (code) assert.equal(response.body.error.code, code);
    assert.equal(typeof response.body.error.message, 'string');
    assert.match(response.headers.get('content-type') ?? '', /application\/json/);
  }
  function assertRateLimitHeaders(headers: Headers, limit: number) {
    assert.equal(headers.get('x-ratelimit-limit'), String(limit));
    assert.match(headers.get('x-ratelimit-remaining') ?? '', /^\d+$/);
    const reset = Number(headers.get('x-ratelimit-reset'));
    assert.ok(reset > Date.now() / 1000 && reset <= Date.now() / 1000 + 61, `reset ${reset} is an epoch second within the minute`);
  }

  it('400 INVALID_INPUTS: inputs missing, not an object, or failing validation', async () => {
    for (const body of [{}, { inputs: 'x' }, { inputs: { topic: 42 } }]) {
      const response = await run(slug, body);
      assertError(response, 400, 'INVALID_INPUTS');
      assert.ok(Array.isArray(response.body.error.fields));
      assertRateLimitHeaders(response.headers, 100);
    }
  });

  it('400 ASYNC_NOT_SUPPORTED: ?async=true on a provider that cannot be polled, before anything runs', async () => {
    const video = await buildWorkflow(api.engine.db, accountId, PUSH_VIDEO);
    const before = await api.engine.db.execution.count();
    const response = await run(video.slug, { inputs: { topic: 'tides' } }, key, '?async=true');
    assertError(response, 400, 'ASYNC_NOT_SUPPORTED');
    assert.equal(response.body.error.model, 'sandbox-video-push');
    assertRateLimitHeaders(response.headers, 100);
    assert.equal(await api.engine.db.execution.count(), before);
  });

  it('402 INSUFFICIENT_CREDITS: names the credits required and the balance, and debits nothing', async () => {
    const poor = await buildAccount(api.engine.db, { creditBalance: 0 });
    const poorKey = (await buildApiKey(api.engine.db, poor.id)).secret;
    const wf = await buildWorkflow(api.engine.db, poor.id, TEXT_CHAIN);
    const response = await run(wf.slug, { inputs: { topic: 'x' } }, poorKey);
    assertError(response, 402, 'INSUFFICIENT_CREDITS');
    assert.equal(response.body.error.required, 2);
    assert.equal(response.body.error.balance, 0);
    assertRateLimitHeaders(response.headers, 100);
    assert.equal(await api.engine.db.execution.count({ where: { accountId: poor.id } }), 0);
  });

  it('402 grant_exhausted: a grant-only account that has used its trial grant', async () => {
    const trial = await buildAccount(api.engine.db, { creditBalance: 0 });
    const trialKey = (await buildApiKey(api.engine.db, trial.id)).secret;
    const wf = await buildWorkflow(api.engine.db, trial.id, text());
    const grant = await api.request('POST', `/admin/accounts/${trial.id}/grants`, {
      body: { model: 'sandbox-text', credits: 1 },
      headers: { authorization: `Bearer ${api.adminToken}` },
    });
    assert.equal(grant.status, 201);
    const first = await run(wf.slug, { inputs: { topic: 'x' } }, trialKey);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.creditsUsed, 0, 'a run paid by a grant reports 0 credits');
    const second = await run(wf.slug, { inputs: { topic: 'x' } }, trialKey);
    assertError(second, 402, 'grant_exhausted');
    assert.equal(second.body.error.model, 'sandbox-text');
    assertRateLimitHeaders(second.headers, 100);
  });

  it('403 CAPABILITY_DENIED: a key scoped to another slug; the body names the required capability', async () => {
    const scoped = (await buildApiKey(api.engine.db, accountId, ['workflow:some-other-slug:run'])).secret;
    const response = await run(slug, { inputs: { topic: 'x' } }, scoped);
    assertError(response, 403, 'CAPABILITY_DENIED');
    assert.equal(response.body.error.required, `workflow:${slug}:run`);
    assertRateLimitHeaders(response.headers, 100);
    const own = (await buildApiKey(api.engine.db, accountId, [`workflow:${slug}:run`])).secret;
    assert.equal((await run(slug, { inputs: { topic: 'x' } }, own)).status, 200, 'the per-slug capability runs its own slug');
  });

  it('403 MODEL_TIER_REQUIRED: a model above the account’s tier', async () => {
    const hd = await buildWorkflow(
      api.engine.db,
      accountId,
      chain([{ id: 'img', type: 'image-generation', config: { model: 'sandbox-image-hd', prompt: '{{topic}}' } }], 'img'),
    );
    const response = await run(hd.slug, { inputs: { topic: 'x' } });
    assertError(response, 403, 'MODEL_TIER_REQUIRED');
    assert.equal(response.body.error.model, 'sandbox-image-hd');
    assert.equal(response.body.error.requiredTier, 'enterprise');
    assertRateLimitHeaders(response.headers, 100);
  });

  it('404: an unknown slug and another account’s slug answer identically', async () => {
    const other = await buildAccount(api.engine.db);
    const foreign = await buildWorkflow(api.engine.db, other.id, text());
    const unknown = await run('no-such-workflow', { inputs: { topic: 'x' } });
    const theirs = await run(foreign.slug, { inputs: { topic: 'x' } });
    assertError(unknown, 404, 'NOT_FOUND');
    assertError(theirs, 404, 'NOT_FOUND');
    assert.equal(theirs.body.error.message.replace(foreign.slug, 'S'), unknown.body.error.message.replace('no-such-workflow', 'S'));
    assertRateLimitHeaders(theirs.headers, 100);
  });

  it('500 EXECUTION_FAILED: the error names the failed step and the cause, and the credits come back', async () => {
    const failing = await buildWorkflow(api.engine.db, accountId, text({ sandbox: { reject: true }, retry: { maximumAttempts: 1 } }));
    const before = (await api.engine.db.account.findUniqueOrThrow({ where: { id: accountId } })).creditBalance;
    const response = await run(failing.slug, { inputs: { topic: 'x' } });
    assertError(response, 500, 'EXECUTION_FAILED');
    assert.equal(response.body.error.error.stepId, 'gen');
    assert.match(response.body.error.message, /gen/);
    assert.ok(response.body.error.error.message.length > 0, 'the cause is described');
    assertRateLimitHeaders(response.headers, 100);
    // The refund is written by the mirror when the run settles.
    const deadline = Date.now() + 5_000;
    let after = -1;
    while (Date.now() < deadline && after !== before) {
      after = (await api.engine.db.account.findUniqueOrThrow({ where: { id: accountId } })).creditBalance;
    }
    assert.equal(after, before);
  });

  it('429 RATE_LIMIT_EXCEEDED: after 100 requests in a minute on Pro, with Retry-After', async () => {
    const busy = await buildAccount(api.engine.db, { tier: 'pro' });
    const busyKey = (await buildApiKey(api.engine.db, busy.id)).secret;
    // A limited route that does little work: reading an execution that does not exist.
    const get = () => api.request('GET', '/api/executions/ex_none', { headers: { 'x-api-key': busyKey } });
    await awayFromWindowEdge();
    for (let i = 0; i < 10; i++) {
      const batch = await Promise.all(Array.from({ length: 10 }, get));
      for (const response of batch) assert.equal(response.status, 404);
    }
    const limited = await get();
    assertError(limited, 429, 'RATE_LIMIT_EXCEEDED');
    assertRateLimitHeaders(limited.headers, 100);
    assert.equal(limited.headers.get('x-ratelimit-remaining'), '0');
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    const runLimited = await run(slug, { inputs: { topic: 'x' } }, busyKey);
    assertError(runLimited, 429, 'RATE_LIMIT_EXCEEDED');
  });

  describe('authentication', () => {
    it('401 UNAUTHORIZED for a missing or unknown key', async () => {
      const none = await api.request('POST', `/api/workflows/${slug}/run`, { body: { inputs: { topic: 'x' } } });
      assertError(none, 401, 'UNAUTHORIZED');
      assertError(await run(slug, { inputs: { topic: 'x' } }, 'bsk_unknown'), 401, 'UNAUTHORIZED');
    });

    it('401 API_KEY_REVOKED for a revoked key (revoked through the admin API)', async () => {
      const { secret, row } = await buildApiKey(api.engine.db, accountId);
      assert.equal((await run(slug, { inputs: { topic: 'x' } }, secret)).status, 200);
      const revoke = await api.request('POST', `/admin/api-keys/${row.id}/revoke`, { headers: { authorization: `Bearer ${api.adminToken}` } });
      assert.equal(revoke.status, 200);
      assertError(await run(slug, { inputs: { topic: 'x' } }, secret), 401, 'API_KEY_REVOKED');
    });

    it('403 ACCOUNT_NOT_APPROVED for an account not yet approved', async () => {
      const pending = await buildAccount(api.engine.db, { approved: false });
      const pendingKey = (await buildApiKey(api.engine.db, pending.id)).secret;
      const wf = await buildWorkflow(api.engine.db, pending.id, text());
      assertError(await run(wf.slug, { inputs: { topic: 'x' } }, pendingKey), 403, 'ACCOUNT_NOT_APPROVED');
    });

    it('stores keys hashed: the secret appears nowhere in the database', async () => {
      const created = await api.request('POST', `/admin/accounts/${accountId}/api-keys`, {
        body: { capabilities: ['workflow:run'] },
        headers: { authorization: `Bearer ${api.adminToken}` },
      });
      assert.equal(created.status, 201);
      const row = await api.engine.db.apiKey.findUniqueOrThrow({ where: { id: created.body.apiKey.id } });
      assert.notEqual(row.hash, created.body.secret);
      assert.ok(!JSON.stringify(row).includes(created.body.secret));
    });
  });
});
