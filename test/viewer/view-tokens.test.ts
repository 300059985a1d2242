// View tokens of the run viewer over real HTTP, Temporal and Postgres: minted with an API key,
// scoped to one run (or one account's runs), read-only unless minted with actions, expiring.
import assert from 'node:assert/strict';
import { TEXT_CHAIN } from '../../src/demo/workflows';
import { signViewToken } from '../../src/services/viewTokens';
import { startTestApi, type TestApi } from '../support/api';
import { ended, executionReader } from '../support/executions';
import { buildAccount, buildApiKey, buildWorkflow } from '../support/fixtures';
import { readSse } from '../support/sse';

describe('run viewer tokens', function () {
  let api: TestApi;
  let key: string;
  let keyId: string;
  let accountId: string;
  let secret: string;
  let slug: string;
  let runA: string;
  let runB: string;
  const reader = executionReader(() => api, () => ({ 'x-api-key': key }));
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const mint = async (path: string, body: unknown = {}, apiKey = key) =>
    api.request('POST', path, { body, headers: { 'x-api-key': apiKey } });

  before(async () => {
    api = await startTestApi();
    const account = await buildAccount(api.engine.db, { tier: 'business' });
    accountId = account.id;
    secret = account.webhookSecret;
    const built = await buildApiKey(api.engine.db, account.id);
    key = built.secret;
    keyId = built.row.id;
    slug = (await buildWorkflow(api.engine.db, account.id, TEXT_CHAIN)).slug;
    const start = async () => (await api.request('POST', `/api/workflows/${slug}/run?async=true`, { body: { inputs: { topic: 'tides' } }, headers: { 'x-api-key': key } })).body.executionId as string;
    [runA, runB] = await Promise.all([start(), start()]);
    await Promise.all([reader.waitFor(runA, ended), reader.waitFor(runB, ended)]);
  });
  after(async () => api?.close());

  it('mints a read-only token for one run that reads the run, its graph and its events without an API key', async () => {
    const minted = await mint(`/api/executions/${runA}/view-token`);
    assert.equal(minted.status, 200, JSON.stringify(minted.body));
    assert.equal(minted.body.executionId, runA);
    assert.equal(minted.body.actions, false);
    assert.match(minted.body.token, /^vt1\./);
    assert.equal(minted.body.viewUrl, `/runs/${runA}#token=${minted.body.token}`);
    assert.ok(Date.parse(minted.body.expiresAt) > Date.now());

    const read = await api.request('GET', `/api/executions/${runA}`, { headers: bearer(minted.body.token) });
    assert.equal(read.status, 200);
    assert.equal(read.body.execution.id, runA);
    const graph = await api.request('GET', `/api/executions/${runA}/graph?token=${minted.body.token}`);
    assert.equal(graph.status, 200);
    assert.deepEqual(graph.body.graph.nodes.map((n: any) => [n.id, n.name]), [['input', 'Request Input'], ['outline', 'Outline'], ['draft', 'Draft'], ['output', 'Response']]);
    assert.deepEqual(graph.body.graph.edges.map((e: any) => `${e.source}->${e.target}`), ['input->outline', 'outline->draft', 'draft->output']);
    const events = await readSse(`${api.url}/api/executions/${runA}/events?token=${minted.body.token}`, {});
    assert.equal(events.at(-1)?.event, 'run.end');
  });

  it('refuses a token for one run on another run, on its events and graph, and on the list', async () => {
    const token = (await mint(`/api/executions/${runA}/view-token`)).body.token;
    for (const path of [`/api/executions/${runB}`, `/api/executions/${runB}/events`, `/api/executions/${runB}/graph`]) {
      const response = await api.request('GET', `${path}?token=${token}`);
      assert.equal(response.status, 403, path);
      assert.equal(response.body.error.code, 'VIEW_TOKEN_SCOPE');
    }
    const list = await api.request('GET', '/api/executions', { headers: bearer(token) });
    assert.equal(list.status, 403);
    assert.equal(list.body.error.code, 'VIEW_TOKEN_SCOPE');
  });

  it('refuses an expired token with 401 VIEW_TOKEN_EXPIRED, and an altered one with 401 VIEW_TOKEN_INVALID', async () => {
    const expired = signViewToken(secret, { a: accountId, k: keyId, x: runA, act: false, exp: Math.floor(Date.now() / 1000) - 5 });
    for (const path of [`/api/executions/${runA}`, `/api/executions/${runA}/events`]) {
      const response = await api.request('GET', `${path}?token=${expired}`);
      assert.equal(response.status, 401, path);
      assert.equal(response.body.error.code, 'VIEW_TOKEN_EXPIRED');
    }
    // Widening the scope of a valid token breaks its MAC.
    const valid = (await mint(`/api/executions/${runA}/view-token`)).body.token as string;
    const [prefix, body, mac] = valid.split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString());
    const widened = `${prefix}.${Buffer.from(JSON.stringify({ ...claims, x: null })).toString('base64url')}.${mac}`;
    for (const token of [widened, 'vt1.nonsense.token', signViewToken('another-secret', { ...claims })]) {
      const response = await api.request('GET', `/api/executions/${runA}`, { headers: bearer(token) });
      assert.equal(response.status, 401);
      assert.equal(response.body.error.code, 'VIEW_TOKEN_INVALID');
    }
  });

  it('lets a read-only token neither cancel nor replay, and an action token replay into a run its own token reads', async () => {
    const readOnly = (await mint(`/api/executions/${runA}/view-token`)).body.token;
    const refused = await api.request('POST', `/api/executions/${runA}/replay`, { body: {}, headers: bearer(readOnly) });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'VIEW_TOKEN_READ_ONLY');

    const acting = await mint(`/api/executions/${runA}/view-token`, { actions: true, ttlSeconds: 120 });
    assert.equal(acting.body.actions, true);
    const replay = await api.request('POST', `/api/executions/${runA}/replay`, { body: { fromStepId: 'draft' }, headers: bearer(acting.body.token) });
    assert.equal(replay.status, 202, JSON.stringify(replay.body));
    const child = replay.body.executionId as string;
    assert.match(replay.body.viewToken, /^vt1\./);
    const read = await api.request('GET', `/api/executions/${child}`, { headers: bearer(replay.body.viewToken) });
    assert.equal(read.status, 200);
    assert.equal(read.body.execution.parentExecutionId, runA);
    // The new run's token reads that run only, and expires when the one it came from does.
    assert.equal((await api.request('GET', `/api/executions/${runA}`, { headers: bearer(replay.body.viewToken) })).status, 403);
    const claims = JSON.parse(Buffer.from(replay.body.viewToken.split('.')[1], 'base64url').toString());
    assert.equal(claims.exp * 1000, Date.parse(acting.body.expiresAt));
    await reader.waitFor(child, ended);

    const graph = await api.request('GET', `/api/executions/${runA}/graph`, { headers: { 'x-api-key': key } });
    assert.ok(graph.body.replays.some((r: any) => r.id === child && r.fromStepId === 'draft'));
  });

  it('mints actions only for a key that may run the workflow', async () => {
    const other = await buildApiKey(api.engine.db, accountId, ['workflow:some-other-flow:run']);
    const denied = await mint(`/api/executions/${runA}/view-token`, { actions: true }, other.secret);
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.code, 'CAPABILITY_DENIED');
    assert.equal(denied.body.error.required, `workflow:${slug}:run`);
    const accountWide = await mint('/api/executions/view-token', { actions: true }, other.secret);
    assert.equal(accountWide.status, 403);
    assert.equal(accountWide.body.error.required, 'workflow:run');
    // Reading is fine with any key of the account.
    assert.equal((await mint(`/api/executions/${runA}/view-token`, {}, other.secret)).status, 200);
  });

  it('lists and reads every run of the account with an account token, and stops working when its key is revoked', async () => {
    const extra = await buildApiKey(api.engine.db, accountId);
    const minted = await mint('/api/executions/view-token', {}, extra.secret);
    assert.equal(minted.status, 200);
    assert.equal(minted.body.executionId, null);
    assert.equal(minted.body.viewUrl, `/runs#token=${minted.body.token}`);
    const list = await api.request('GET', `/api/executions?workflow=${slug}&trigger=api`, { headers: bearer(minted.body.token) });
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.executions.map((e: any) => e.id).sort(), [runA, runB].sort());
    assert.equal((await api.request('GET', `/api/executions/${runB}`, { headers: bearer(minted.body.token) })).status, 200);

    await api.engine.db.apiKey.update({ where: { id: extra.row.id }, data: { active: false } });
    const revoked = await api.request('GET', `/api/executions/${runB}`, { headers: bearer(minted.body.token) });
    assert.equal(revoked.status, 401);
    assert.equal(revoked.body.error.code, 'API_KEY_REVOKED');
  });

  it('is accepted nowhere but the viewer’s routes, and never mints another token', async () => {
    const token = (await mint('/api/executions/view-token', { actions: true })).body.token;
    const run = await api.request('POST', `/api/workflows/${slug}/run`, { body: { inputs: { topic: 'x' } }, headers: bearer(token) });
    assert.equal(run.status, 401);
    assert.equal(run.body.error.code, 'UNAUTHORIZED');
    const again = await api.request('POST', `/api/executions/${runA}/view-token`, { body: {}, headers: bearer(token) });
    assert.equal(again.status, 401);
  });

  it('answers a bad lifetime with 400 and an unknown run with 404', async () => {
    const tooLong = await mint(`/api/executions/${runA}/view-token`, { ttlSeconds: 10 * 24 * 3600 });
    assert.equal(tooLong.status, 400);
    assert.equal(tooLong.body.error.code, 'INVALID_REQUEST');
    const missing = await mint('/api/executions/ex_nope/view-token');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'NOT_FOUND');
  });

  it('serves the viewer page without data or secrets, with a strict content security policy', async () => {
    for (const path of ['/runs', `/runs/${runA}`]) {
      const page = await api.request('GET', path);
      assert.equal(page.status, 200, path);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
      assert.doesNotMatch(String(page.body), /bsk_|vt1\.|https?:\/\//, 'no key, token or external resource');
      const script = /src="(\/runs\/assets\/[^"]+\.js)"/.exec(String(page.body))?.[1];
      assert.ok(script, 'the page loads its script from /runs/assets');
      const asset = await fetch(api.url + script);
      assert.equal(asset.status, 200);
      assert.match(asset.headers.get('content-type') ?? '', /javascript/);
    }
    assert.equal((await api.request('GET', '/runs/assets/nope.js')).status, 404);
  });
});
