// The cost estimate: what a run would cost and the refusals it would get, with nothing run or charged.
import assert from 'node:assert/strict';
import { priceOfModel } from '../../src/domain/pricing';
import { startTestApi, type TestApi } from '../support/api';
import { buildAccount, buildApiKey, buildWorkflow, chain } from '../support/fixtures';

const MARKUP = 1.2;
const graph = (textModel = 'sandbox-text') =>
  chain(
    [
      { id: 'caption', type: 'text-generation', config: { model: textModel, prompt: 'About {{topic}}' } },
      { id: 'hero', type: 'image-generation', config: { model: 'sandbox-image', prompt: 'A picture of {{topic}}' } },
      { id: 'card', type: 'template', config: { template: '{{caption}}' }, from: ['caption', 'hero'] },
    ],
    'card',
  );

describe('cost estimate', function () {
  let api: TestApi;
  before(async () => {
    api = await startTestApi({ markup: MARKUP });
  });
  after(async () => api?.close());

  async function setup(options: { tier: 'pro' | 'business' | 'enterprise'; creditBalance: number; textModel?: string }) {
    const account = await buildAccount(api.engine.db, options);
    const key = (await buildApiKey(api.engine.db, account.id)).secret;
    const wf = await buildWorkflow(api.engine.db, account.id, graph(options.textModel));
    const post = (route: 'estimate' | 'run', body: unknown) => api.request('POST', `/api/workflows/${wf.slug}/${route}`, { body, headers: { 'x-api-key': key } });
    return { account, key, wf, post };
  }
  const grant = (accountId: string, model: string, credits: number) =>
    api.request('POST', `/admin/accounts/${accountId}/grants`, { body: { model, credits }, headers: { authorization: `Bearer ${api.adminToken}` } });

  it('prices every step at the account’s tier with markup, applies trial grants, and charges nothing', async () => {
    const { account, post } = await setup({ tier: 'business', creditBalance: 100 });
    const text = priceOfModel('sandbox-text', 'business', MARKUP);
    const image = priceOfModel('sandbox-image', 'business', MARKUP);
    assert.equal((await grant(account.id, 'sandbox-image', 2)).status, 201);

    const response = await post('estimate', { inputs: { topic: 'otters' } });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const estimate = response.body;
    assert.equal(estimate.admissible, true);
    assert.deepEqual(estimate.refusals, []);
    assert.equal(estimate.tier, 'business');
    assert.equal(estimate.creditsTotal, text + image);
    assert.equal(estimate.creditsFromGrants, 2);
    assert.equal(estimate.creditsFromBalance, text + image - 2);
    assert.equal(estimate.creditBalance, 100);
    const steps = Object.fromEntries(estimate.steps.map((step: any) => [step.stepId, step]));
    assert.deepEqual(Object.keys(steps).sort(), ['caption', 'card', 'hero', 'input', 'output']);
    assert.deepEqual([steps.caption.credits, steps.caption.paidBy, steps.caption.model], [text, 'balance', 'sandbox-text']);
    assert.deepEqual([steps.hero.credits, steps.hero.fromGrant, steps.hero.fromBalance, steps.hero.paidBy], [image, 2, image - 2, 'grant+balance']);
    assert.deepEqual([steps.card.credits, steps.card.paidBy], [0, 'free']);

    // Nothing ran, nothing moved.
    assert.equal(await api.engine.db.execution.count({ where: { accountId: account.id } }), 0);
    assert.equal(await api.engine.db.creditLedgerEntry.count({ where: { accountId: account.id } }), 0);
    assert.equal((await api.engine.db.account.findUniqueOrThrow({ where: { id: account.id } })).creditBalance, 100);
    assert.equal((await api.engine.db.trialGrant.findFirstOrThrow({ where: { accountId: account.id } })).creditsRemaining, 2);

    // The run then costs exactly what the estimate said.
    const run = await post('run', { inputs: { topic: 'otters' } });
    assert.equal(run.status, 200, JSON.stringify(run.body));
    assert.equal(run.body.creditsUsed, estimate.creditsFromBalance);
  });

  it('lists every refusal the run would get: INVALID_INPUTS, MODEL_TIER_REQUIRED and INSUFFICIENT_CREDITS, with their statuses and details', async () => {
    const { post } = await setup({ tier: 'pro', creditBalance: 0, textModel: 'sandbox-text-large' });
    const response = await post('estimate', { inputs: { topic: 42 } });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.admissible, false);
    const refusals = response.body.refusals;
    assert.deepEqual(refusals.map((refusal: any) => [refusal.status, refusal.code]), [[400, 'INVALID_INPUTS'], [403, 'MODEL_TIER_REQUIRED'], [402, 'INSUFFICIENT_CREDITS']]);
    assert.equal(refusals[0].fields[0].field, 'topic');
    assert.deepEqual([refusals[1].model, refusals[1].requiredTier], ['sandbox-text-large', 'business']);
    assert.deepEqual([refusals[2].required, refusals[2].balance], [response.body.creditsFromBalance, 0]);

    // The run is refused with the first of them.
    const run = await post('run', { inputs: { topic: 42 } });
    assert.deepEqual([run.status, run.body.error.code], [400, 'INVALID_INPUTS']);
    const missing = await post('estimate', {});
    assert.deepEqual(missing.body.refusals.map((refusal: any) => refusal.code), ['INVALID_INPUTS', 'MODEL_TIER_REQUIRED', 'INSUFFICIENT_CREDITS']);
    // Inputs that are not an object are a refusal to report too; a body that is not an object is no estimate request.
    const notAnObject = await post('estimate', { inputs: 'otters' });
    assert.deepEqual([notAnObject.status, notAnObject.body.refusals[0].code], [200, 'INVALID_INPUTS']);
    const noBody = await post('estimate', ['otters']);
    assert.deepEqual([noBody.status, noBody.body.error.code], [400, 'INVALID_INPUTS']);
  });

  it('says grant_exhausted when a model’s trial grant cannot pay and the balance cannot either, as the run would', async () => {
    const { account, post } = await setup({ tier: 'enterprise', creditBalance: 0 });
    assert.equal((await grant(account.id, 'sandbox-text', 1)).status, 201);
    assert.equal((await grant(account.id, 'sandbox-image', 1)).status, 201);
    const estimate = await post('estimate', { inputs: { topic: 'x' } });
    assert.deepEqual(estimate.body.refusals.map((refusal: any) => refusal.code), ['grant_exhausted']);
    const run = await post('run', { inputs: { topic: 'x' } });
    assert.deepEqual([run.status, run.body.error.code, run.body.error.model], [402, 'grant_exhausted', estimate.body.refusals[0].model]);
  });

  it('answers 404 for another account’s slug and 403 CAPABILITY_DENIED for a key limited to another slug', async () => {
    const { account, wf } = await setup({ tier: 'pro', creditBalance: 10 });
    const other = await buildAccount(api.engine.db);
    const otherKey = (await buildApiKey(api.engine.db, other.id)).secret;
    const foreign = await api.request('POST', `/api/workflows/${wf.slug}/estimate`, { body: { inputs: {} }, headers: { 'x-api-key': otherKey } });
    assert.equal(foreign.status, 404);
    const limited = (await buildApiKey(api.engine.db, account.id, ['workflow:some-other:run'])).secret;
    const denied = await api.request('POST', `/api/workflows/${wf.slug}/estimate`, { body: { inputs: {} }, headers: { 'x-api-key': limited } });
    assert.deepEqual([denied.status, denied.body.error.code, denied.body.error.required], [403, 'CAPABILITY_DENIED', `workflow:${wf.slug}:run`]);
  });
});
