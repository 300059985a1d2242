// An Idempotency-Key whose first request died between claiming the key and answering is not stuck:
// a claim that admitted an execution is answered with that execution; a claim that admitted nothing
// is held only for its lease, then taken over by a retry or released by the reconciler.
import assert from 'node:assert/strict';
import { releaseAbandonedClaims, requestHash } from '../../src/services/idempotency';
import { startTestApi, type TestApi } from '../support/api';
import { buildAccount, buildApiKey, buildWorkflow, chain } from '../support/fixtures';

describe('Idempotency-Key claims whose request died', function () {
  let api: TestApi;
  let key: string;
  let accountId: string;
  let slug: string;
  let canvasId: string;

  before(async () => {
    api = await startTestApi();
    const account = await buildAccount(api.engine.db, { tier: 'business' });
    accountId = account.id;
    key = (await buildApiKey(api.engine.db, account.id)).secret;
    const workflow = await buildWorkflow(api.engine.db, account.id, chain([{ id: 'gen', type: 'text-generation', config: { prompt: '{{topic}}' } }], 'gen'));
    slug = workflow.slug;
    canvasId = workflow.canvasId;
  });
  after(async () => api?.close());

  const start = (idempotencyKey: string, body: unknown) =>
    api.request('POST', '/api/execute/start', { body, headers: { 'x-api-key': key, 'x-trigger-type': 'manual', 'idempotency-key': idempotencyKey } });

  /** What a process killed after the admission committed leaves: the claim names the execution, no answer is stored. */
  const forgetAnswer = (idempotencyKey: string) =>
    api.engine.db.$executeRaw`
      UPDATE idempotency_records SET status_code = 0, response = 'null'::jsonb, lease_expires_at = now() - interval '1 second'
      WHERE scope = ${accountId} AND key = ${idempotencyKey}`;

  /** What a process killed before admitting leaves: a claim with no execution and an expired lease. */
  const deadClaim = (idempotencyKey: string, hash: string) =>
    api.engine.db.$executeRaw`
      INSERT INTO idempotency_records (scope, key, request_hash, execution_id, status_code, response, claim_token, lease_expires_at)
      VALUES (${accountId}, ${idempotencyKey}, ${hash}, '', 0, 'null'::jsonb, 'dead-process', now() - interval '1 second')`;

  it('answers a retry with the execution the dead request admitted (replayed), and starts no second run', async () => {
    const idempotencyKey = `dead-after-admission-${Date.now()}`;
    const body = { canvasId, inputs: { topic: 'x' } };
    const first = await start(idempotencyKey, body);
    assert.equal(first.status, 202);
    await forgetAnswer(idempotencyKey);
    const retry = await start(idempotencyKey, body);
    assert.equal(retry.status, 202, JSON.stringify(retry.body));
    assert.deepEqual(retry.body, first.body);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.equal(await api.engine.db.execution.count({ where: { idempotencyKey } }), 1);
    const record = await api.engine.db.idempotencyRecord.findUniqueOrThrow({ where: { scope_key: { scope: accountId, key: idempotencyKey } } });
    assert.equal(record.statusCode, 202, 'the answer is stored now');
  });

  it('answers a retry of a sync run whose request died after admission with the run’s result', async () => {
    const idempotencyKey = `dead-sync-${Date.now()}`;
    const path = `/api/workflows/${slug}/run`;
    const headers = { 'x-api-key': key, 'idempotency-key': idempotencyKey };
    const first = await api.request('POST', path, { body: { inputs: { topic: 'y' } }, headers });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    await forgetAnswer(idempotencyKey);
    const retry = await api.request('POST', path, { body: { inputs: { topic: 'y' } }, headers });
    assert.equal(retry.status, 200, JSON.stringify(retry.body));
    assert.deepEqual(retry.body, first.body);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.equal(await api.engine.db.execution.count({ where: { idempotencyKey } }), 1);
  });

  it('lets a retry take over a claim that admitted nothing once its lease expired', async () => {
    const idempotencyKey = `dead-before-admission-${Date.now()}`;
    const body = { canvasId, inputs: { topic: 'z' } };
    await deadClaim(idempotencyKey, requestHash(body));
    const retry = await start(idempotencyKey, body);
    assert.equal(retry.status, 202, JSON.stringify(retry.body));
    assert.equal(retry.headers.get('idempotent-replayed'), null, 'a first answer: nothing was admitted before');
    assert.equal(await api.engine.db.execution.count({ where: { idempotencyKey } }), 1);
    const again = await start(idempotencyKey, body);
    assert.equal(again.body.executionId, retry.body.executionId);
  });

  it('the reconciler releases a claim that admitted nothing once its lease expired, and keeps live and answered ones', async () => {
    const dead = `dead-released-${Date.now()}`;
    const live = `live-${Date.now()}`;
    await deadClaim(dead, 'h');
    await api.engine.db.$executeRaw`
      INSERT INTO idempotency_records (scope, key, request_hash, execution_id, status_code, response, claim_token, lease_expires_at)
      VALUES (${accountId}, ${live}, 'h', '', 0, 'null'::jsonb, 'live-process', now() + interval '1 minute')`;
    const answered = `answered-${Date.now()}`;
    assert.equal((await start(answered, { canvasId, inputs: { topic: 'q' } })).status, 202);
    await releaseAbandonedClaims(api.engine.db);
    const keys = (await api.engine.db.idempotencyRecord.findMany({ where: { scope: accountId, key: { in: [dead, live, answered] } } })).map((r) => r.key).sort();
    assert.deepEqual(keys, [answered, live].sort());
  });
});
