// Credits by real usage, end to end: a text model priced per token (gpt-4.1-mini: 0.5 credits per
// 1,000 input tokens, 2 per 1,000 output tokens, at most 8,000 + 4,000 tokens: a 12-credit hold)
// against a fake OpenAI-compatible endpoint whose usage chunk names the tokens; real API, Temporal
// worker and Postgres.
import assert from 'node:assert/strict';
import { renderMetrics } from '../../src/observability/metrics';
import { startTestApi, type TestApi } from '../support/api';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fakeOpenAI';
import { buildAccount, buildApiKey, buildWorkflow, chain } from '../support/fixtures';

describe('credits held, then captured by the tokens a per-token model used', function () {
  let api: TestApi;
  let openai: FakeOpenAI;
  let key: string;
  let accountId: string;
  let slug: string;
  const START_BALANCE = 1_000;

  before(async () => {
    // 8,000 characters: the fake counts 2,000 completion tokens (and 5 prompt tokens).
    openai = await startFakeOpenAI({ reply: () => 'word '.repeat(1_600) });
    api = await startTestApi({ openaiBaseUrl: openai.baseUrl });
    const account = await buildAccount(api.engine.db, { tier: 'pro', creditBalance: START_BALANCE });
    accountId = account.id;
    key = (await buildApiKey(api.engine.db, account.id)).secret;
    slug = (
      await buildWorkflow(
        api.engine.db,
        account.id,
        chain([{ id: 'answer', type: 'text-generation', config: { model: 'gpt-4.1-mini', prompt: 'Tell me about {{topic}}', retry: { maximumAttempts: 1 } } }], 'answer'),
      )
    ).slug;
  });
  after(async () => {
    await api?.close();
    await openai?.close();
  });

  const auth = () => ({ 'x-api-key': key });
  const balance = async () => (await api.engine.db.account.findUniqueOrThrow({ where: { id: accountId } })).creditBalance;
  const ledger = async (executionId: string) =>
    Object.fromEntries(
      (await api.engine.db.creditLedgerEntry.findMany({ where: { executionId }, orderBy: { createdAt: 'asc' } })).map((entry) => [entry.kind, entry.amount]),
    );
  const run = (body: Record<string, unknown>) => api.request('POST', `/api/workflows/${slug}/run`, { body: { inputs: { topic: 'herons' }, ...body }, headers: auth() });

  it('holds 12 credits, captures the 5 the reported tokens cost, releases 7, and reports creditsUsed as the capture', async () => {
    const before = await balance();
    const captured = async () => Number(/^builder_credits_captured_total (\S+)$/m.exec(await renderMetrics())?.[1] ?? 0);
    const capturedBefore = await captured();
    const response = await run({});
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.creditsUsed, 5);
    assert.equal((await captured()) - capturedBefore, 5, 'builder_credits_captured_total counts the capture');
    const entries = await ledger(response.body.executionId);
    assert.deepEqual(entries, { debit: 12, hold: 12, capture: 5, release: 7 });
    assert.equal(await balance(), before - 5);
    const view = await api.request('GET', `/api/executions/${response.body.executionId}`, { headers: auth() });
    assert.equal(view.body.execution.creditsUsed, 5);
    assert.equal(openai.chatRequests().at(-1)!.body?.max_tokens, 4_000, 'never asked for more output than the hold covers');
  });

  it('captures the whole hold when the vendor’s usage report cannot be trusted (negative or absurd counts)', async () => {
    openai.misreportUsage({ prompt_tokens: -50, completion_tokens: 1e15, total_tokens: 'lots' });
    try {
      const before = await balance();
      const response = await run({});
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.equal(response.body.creditsUsed, 12);
      assert.deepEqual(await ledger(response.body.executionId), { debit: 12, hold: 12, capture: 12 });
      assert.equal(await balance(), before - 12);
    } finally {
      openai.misreportUsage(undefined);
    }
  });

  it('refunds the whole hold of a run that fails, and releases nothing on top', async () => {
    openai.failNext(400, 1);
    const before = await balance();
    const response = await api.request('POST', `/api/workflows/${slug}/run`, { body: { inputs: { topic: 'herons' } }, headers: auth() });
    assert.equal(response.status, 500, JSON.stringify(response.body));
    const executionId = response.body.executionId ?? (await api.engine.db.execution.findFirstOrThrow({ where: { accountId }, orderBy: { receivedAt: 'desc' } })).id;
    const execution = await api.engine.db.execution.findUniqueOrThrow({ where: { id: executionId } });
    assert.equal(execution.creditsUsed, 0);
    assert.equal(execution.creditsRefunded, 12);
    assert.deepEqual(await ledger(executionId), { debit: 12, hold: 12, refund: 12 });
    assert.equal(await balance(), before);
  });

  it('refuses a run whose estimate exceeds maxCredits with 402 BUDGET_EXCEEDED, charging nothing; the estimate says so too', async () => {
    const before = await balance();
    const refused = await run({ maxCredits: 5 });
    assert.equal(refused.status, 402);
    assert.equal(refused.body.error.code, 'BUDGET_EXCEEDED');
    assert.equal(refused.body.error.estimate, 12);
    assert.equal(refused.body.error.maxCredits, 5);
    assert.match(refused.body.error.message, /up to 12 credits, more than its maxCredits of 5/);
    assert.equal(await balance(), before);
    const estimate = await api.request('POST', `/api/workflows/${slug}/estimate`, { body: { inputs: { topic: 'herons' }, maxCredits: 5 }, headers: auth() });
    assert.equal(estimate.status, 200);
    assert.equal(estimate.body.admissible, false);
    assert.deepEqual(
      estimate.body.refusals.map((refusal: any) => [refusal.status, refusal.code, refusal.estimate]),
      [[402, 'BUDGET_EXCEEDED', 12]],
    );
    const within = await run({ maxCredits: 12 });
    assert.equal(within.status, 200, JSON.stringify(within.body));
  });

  it('answers 400 to a maxCredits that is not a whole number of credits', async () => {
    for (const maxCredits of ['ten', -1, 2.5]) {
      const response = await run({ maxCredits });
      assert.equal(response.status, 400, `maxCredits ${JSON.stringify(maxCredits)}`);
      assert.match(JSON.stringify(response.body.error), /maxCredits/);
    }
  });
});
