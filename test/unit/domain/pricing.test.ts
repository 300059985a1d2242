import assert from 'node:assert/strict';
import { MODELS, tierAllows } from '../../../src/domain/models';
import { planRun } from '../../../src/domain/planner';
import { modelAboveTier, priceOfModel, pricePlan, TIER_PRICE_FACTOR } from '../../../src/domain/pricing';
import { edge, graph, node, requestInput } from './builders';

/** input -> text (sandbox-text, 1) + image (sandbox-image, 5) + text (gpt-4.1, 10) -> output. */
function pricedPlan(models: { text?: string; image?: string; big?: string } = {}) {
  const canvas = graph(
    [
      requestInput('input', [{ name: 'topic', type: 'string' }]),
      node('text', 'text-generation', models.text ? { model: models.text } : {}),
      node('image', 'image-generation', models.image ? { model: models.image } : {}),
      node('big', 'text-generation', { model: models.big ?? 'gpt-4.1' }),
      node('output', 'response-output'),
    ],
    [
      edge('input.topic', 'text.prompt'),
      edge('input.topic', 'image.prompt'),
      edge('input.topic', 'big.prompt'),
      edge('text.text', 'output.text'),
      edge('image.image', 'output.image'),
      edge('big.text', 'output.big'),
    ],
  );
  return planRun(canvas);
}

describe('pricing', () => {
  describe('priceOfModel', () => {
    it('charges the base credits at Pro without markup', () => {
      assert.equal(priceOfModel('sandbox-image', 'pro', 1), 5);
      assert.equal(priceOfModel('gpt-4.1', 'pro', 1), 10);
    });

    it('gives Business 10% and Enterprise 20% off', () => {
      assert.deepEqual(TIER_PRICE_FACTOR, { pro: 1, business: 0.9, enterprise: 0.8 });
      assert.equal(priceOfModel('gpt-4.1', 'business', 1), 9);
      assert.equal(priceOfModel('gpt-4.1', 'enterprise', 1), 8);
      assert.equal(priceOfModel('sandbox-video', 'enterprise', 1), 16);
    });

    it('applies the markup after the tier factor', () => {
      assert.equal(priceOfModel('gpt-4.1', 'pro', 1.5), 15);
      assert.equal(priceOfModel('gpt-4.1', 'enterprise', 1.5), 12);
    });

    it('rounds fractional credits up to whole credits', () => {
      assert.equal(priceOfModel('sandbox-text', 'pro', 1.2), 2); // 1.2
      assert.equal(priceOfModel('sandbox-text', 'business', 1), 1); // 0.9
      assert.equal(priceOfModel('gpt-4o-mini', 'business', 1.2), 3); // 2.16
      assert.equal(priceOfModel('sandbox-image', 'business', 1.2), 6); // 5.4
    });

    it('does not round up a whole price because of floating point noise', () => {
      // 12 * 0.8 * 1.25 is 12 exactly, but 12.000000000000002 in floating point.
      assert.equal(priceOfModel('sandbox-image-hd', 'enterprise', 1.25), 12);
    });

    it('charges nothing for an unknown model', () => {
      assert.equal(priceOfModel('gpt-99', 'pro', 1.2), 0);
    });
  });

  describe('pricePlan', () => {
    it('charges every step that uses a model and sums the charges', () => {
      const price = pricePlan(pricedPlan(), 'pro', 1);
      assert.deepEqual(price.charges, [
        { stepId: 'text', model: 'sandbox-text', credits: 1 },
        { stepId: 'image', model: 'sandbox-image', credits: 5 },
        { stepId: 'big', model: 'gpt-4.1', credits: 10 },
      ]);
      assert.equal(price.total, 16);
    });

    it('prices each step at the tier and markup, rounding each step up', () => {
      const price = pricePlan(pricedPlan(), 'business', 1.2);
      // 1*0.9*1.2=1.08 -> 2; 5*0.9*1.2=5.4 -> 6; 10*0.9*1.2=10.8 -> 11
      assert.deepEqual(price.charges.map((charge) => charge.credits), [2, 6, 11]);
      assert.equal(price.total, 19);
    });

    it('does not bill reused steps', () => {
      const price = pricePlan(pricedPlan(), 'pro', 1, new Set(['text', 'big']));
      assert.deepEqual(price.charges, [{ stepId: 'image', model: 'sandbox-image', credits: 5 }]);
      assert.equal(price.total, 5);
    });

    it('costs nothing when every billable step is reused', () => {
      assert.deepEqual(pricePlan(pricedPlan(), 'pro', 1.2, new Set(['text', 'image', 'big'])), { total: 0, charges: [] });
    });

    it('costs nothing for a plan without models', () => {
      const plan = planRun(graph([requestInput('input', [{ name: 'topic', type: 'string' }])]), 'input');
      assert.deepEqual(pricePlan(plan, 'pro', 1.2), { total: 0, charges: [] });
    });
  });

  describe('modelAboveTier', () => {
    it('finds a model the tier may not use, with the tier it needs', () => {
      assert.deepEqual(modelAboveTier(pricedPlan(), 'pro'), { stepId: 'big', model: 'gpt-4.1', requiredTier: 'business' });
    });

    it('finds nothing when the tier allows every model', () => {
      assert.equal(modelAboveTier(pricedPlan(), 'business'), undefined);
      assert.equal(modelAboveTier(pricedPlan({ big: 'gpt-4o-mini' }), 'pro'), undefined);
    });

    it('names the first such step of the plan', () => {
      const plan = pricedPlan({ image: 'sandbox-image-hd' });
      assert.deepEqual(modelAboveTier(plan, 'pro'), { stepId: 'image', model: 'sandbox-image-hd', requiredTier: 'enterprise' });
      assert.deepEqual(modelAboveTier(plan, 'business'), { stepId: 'image', model: 'sandbox-image-hd', requiredTier: 'enterprise' });
      assert.equal(modelAboveTier(plan, 'enterprise'), undefined);
    });
  });

  describe('tiers', () => {
    it('lets each tier use what the tiers below it may use', () => {
      assert.equal(tierAllows('pro', 'pro'), true);
      assert.equal(tierAllows('pro', 'business'), false);
      assert.equal(tierAllows('business', 'pro'), true);
      assert.equal(tierAllows('business', 'enterprise'), false);
      assert.equal(tierAllows('enterprise', 'business'), true);
      assert.equal(tierAllows('enterprise', 'enterprise'), true);
    });

    it('labels sandbox models as test mode wherever they show', () => {
      for (const model of MODELS.filter((m) => m.provider === 'sandbox')) assert.match(model.label, /test mode/, model.id);
    });

    it('has one model per id', () => {
      assert.equal(new Set(MODELS.map((m) => m.id)).size, MODELS.length);
    });
  });
});
