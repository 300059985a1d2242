// Credits: one debit per execution, trial grants first, full refunds on error, never a double
// debit or a lost refund, whatever concurrency and retries happen.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createMirrorActivity } from '../../src/activities/mirror';
import { refundExecution } from '../../src/db/ledger';
import { startTestApi, type TestApi } from '../support/api';
import { buildAccount, buildApiKey, buildWorkflow, chain } from '../support/fixtures';

const text = (config: Record<string, unknown> = {}) =>
  chain([{ id: 'gen', type: 'text-generation', config: { model: 'sandbox-text', prompt: 'About {{topic}}', ...config } }], 'gen');

describe('credits and the ledger', function () {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
  });
  after(async () => api?.close());

  async function setup(creditBalance: number, graph = text()) {
    const account = await buildAccount(api.engine.db, { tier: 'business', creditBalance });
    const key = (await buildApiKey(api.engine.db, account.id)).secret;
    const wf = await buildWorkflow(api.engine.db, account.id, graph);
    const run = (query = '?async=true') =>
      api.request('POST', `/api/workflows/${wf.slug}/run${query}`, { body: { inputs: { topic: 'x' } }, headers: { 'x-api-key': key } });
    return { account, key, wf, run };
  }
  const balanceOf = async (id: string) => (await api.engine.db.account.findUniqueOrThrow({ where: { id } })).creditBalance;
  const grant = (accountId: string, model: string, credits: number) =>
    api.request('POST', `/admin/accounts/${accountId}/grants`, { body: { model, credits }, headers: { authorization: `Bearer ${api.adminToken}` } });

  it('admits exactly as many concurrent runs as the balance pays for, never overdrawing', async () => {
    const { account, run } = await setup(5);
    const responses = await Promise.all(Array.from({ length: 12 }, () => run()));
    const statuses = responses.map((r) => r.status).sort();
    assert.equal(statuses.filter((s) => s === 202).length, 5, JSON.stringify(statuses));
    assert.equal(statuses.filter((s) => s === 402).length, 7);
    for (const refused of responses.filter((r) => r.status === 402)) assert.equal(refused.body.error.code, 'INSUFFICIENT_CREDITS');
    assert.equal(await balanceOf(account.id), 0);
    const debits = await api.engine.db.creditLedgerEntry.findMany({ where: { accountId: account.id, kind: 'debit' } });
    assert.equal(debits.length, 5);
    assert.equal(new Set(debits.map((d) => d.executionId)).size, 5, 'one debit per execution');
  });

  it('pays from trial grants first (creditsUsed 0), concurrently never beyond the grant', async () => {
    const { account, run } = await setup(0);
    assert.equal((await grant(account.id, 'sandbox-text', 3)).status, 201);
    const responses = await Promise.all(Array.from({ length: 8 }, () => run()));
    assert.equal(responses.filter((r) => r.status === 202).length, 3);
    for (const refused of responses.filter((r) => r.status !== 202)) {
      assert.equal(refused.status, 402);
      assert.equal(refused.body.error.code, 'grant_exhausted');
    }
    const grantRow = await api.engine.db.trialGrant.findFirstOrThrow({ where: { accountId: account.id } });
    assert.equal(grantRow.creditsRemaining, 0);
    const entries = await api.engine.db.creditLedgerEntry.findMany({ where: { accountId: account.id } });
    assert.deepEqual([...new Set(entries.map((e) => `${e.kind}:${e.model}:${e.amount}`))], ['grant_debit:sandbox-text:1']);
    const executions = await api.engine.db.execution.findMany({ where: { accountId: account.id } });
    assert.deepEqual(executions.map((e) => [e.creditsUsed, e.paidByGrant]), [[0, true], [0, true], [0, true]]);
  });

  it('charges the balance once a grant is used up when the balance can pay', async () => {
    const { account, run } = await setup(10);
    await grant(account.id, 'sandbox-text', 1);
    const first = await run('');
    assert.equal(first.status, 200);
    assert.equal(first.body.creditsUsed, 0);
    const second = await run('');
    assert.equal(second.status, 200);
    assert.equal(second.body.creditsUsed, 1, 'business pricing of sandbox-text with markup 1');
    assert.equal(await balanceOf(account.id), 9);
  });

  it('refunds a failed run in full exactly once, even when the mirror’s refund batch is retried concurrently', async () => {
    const { account, run } = await setup(10, text({ sandbox: { reject: true }, retry: { maximumAttempts: 1 } }));
    await grant(account.id, 'sandbox-text', 0 + 1);
    // Two runs admitted together: one is paid by the grant, the other by the balance.
    const admitted = await Promise.all([run(), run()]);
    for (const response of admitted) assert.equal(response.status, 202);
    const ids: string[] = admitted.map((r) => r.body.executionId);
    // Wait for the mirror's own refunds.
    for (let i = 0; i < 100 && (await api.engine.db.creditLedgerEntry.count({ where: { executionId: { in: ids }, kind: { in: ['refund', 'grant_refund'] } } })) < 2; i++) {
      await sleep(50);
    }
    // Retries of the refund batch (the mirror's local activity may run a batch again) and direct
    // concurrent refunds change nothing more.
    const mirror = createMirrorActivity(api.engine.db);
    await Promise.all(
      ids.flatMap((executionId) => [
        mirror({ executionId, changes: [], refund: true }),
        mirror({ executionId, changes: [], refund: true }),
        api.engine.db.$transaction((tx) => refundExecution(tx, executionId)),
        api.engine.db.$transaction((tx) => refundExecution(tx, executionId)),
      ]),
    );
    assert.equal(await balanceOf(account.id), 10, 'the balance-paid run came back once');
    const grantRow = await api.engine.db.trialGrant.findFirstOrThrow({ where: { accountId: account.id } });
    assert.equal(grantRow.creditsRemaining, 1, 'the grant-paid run came back to the grant once');
    const entries = await api.engine.db.creditLedgerEntry.findMany({ where: { executionId: { in: ids } } });
    assert.deepEqual(entries.map((e) => e.kind).sort(), ['debit', 'grant_debit', 'grant_refund', 'refund']);
  });

  it('refuses unknown models and unknown accounts when granting', async () => {
    const { account } = await setup(0);
    assert.equal((await grant(account.id, 'no-such-model', 5)).status, 400);
    assert.equal((await grant('acct_nope', 'sandbox-text', 5)).status, 404);
    assert.equal((await grant(account.id, 'sandbox-text', -1)).status, 400);
  });
});
