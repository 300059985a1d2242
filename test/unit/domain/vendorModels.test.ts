import assert from 'node:assert/strict';
import { findModel, modelProblem, type VendorDefaults } from '../../../src/domain/models';
import { planRun } from '../../../src/domain/planner';
import { modelAboveTier, pricePlan } from '../../../src/domain/pricing';
import { PlanError } from '../../../src/domain/errors';
import { parseVendorModel } from '../../../src/domain/vendorModels';
import { edge, graph, node, requestInput } from './builders';

const VERSION = '5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa';

function mediaPlan(model: string, type = 'image-generation') {
  return planRun(
    graph(
      [requestInput('input', [{ name: 'topic', type: 'string' }]), node('art', type, { model }), node('output', 'response-output')],
      [edge('input.topic', 'art.prompt'), edge(`art.${type === 'video-generation' ? 'video' : type === 'text-generation' ? 'text' : 'image'}`, 'output.result')],
    ),
  );
}

function planProblem(model: string, type?: string): string {
  try {
    mediaPlan(model, type);
  } catch (err) {
    assert.ok(err instanceof PlanError);
    assert.equal(err.code, 'UNKNOWN_MODEL');
    return err.message;
  }
  assert.fail(`"${model}" was accepted`);
}

describe('vendor models', () => {
  it('parses replicate:<owner>/<name>, replicate:<owner>/<name>:<version> and fal:<endpoint-id>', () => {
    assert.deepEqual(parseVendorModel('replicate:black-forest-labs/flux-schnell'), { model: { provider: 'replicate', owner: 'black-forest-labs', name: 'flux-schnell' } });
    assert.deepEqual(parseVendorModel(`replicate:stability-ai/sdxl:${VERSION}`), { model: { provider: 'replicate', owner: 'stability-ai', name: 'sdxl', version: VERSION } });
    assert.deepEqual(parseVendorModel('fal:fal-ai/kling-video/v1/standard/text-to-video'), { model: { provider: 'fal', endpointId: 'fal-ai/kling-video/v1/standard/text-to-video' } });
    assert.equal(parseVendorModel('gpt-4.1'), undefined);
  });

  it('runs any well-formed vendor model in image and video nodes, and no vendor model in text nodes', () => {
    assert.equal(mediaPlan('replicate:someone/new-model').steps.find((step) => step.id === 'art')?.model, 'replicate:someone/new-model');
    assert.ok(mediaPlan('fal:fal-ai/some/new/endpoint', 'video-generation'));
    assert.match(planProblem('replicate:someone/new-model', 'text-generation'), /is a media model, not a text model/);
  });

  it('refuses malformed names and unknown prefixes, saying why', () => {
    assert.match(planProblem('replicate:flux-schnell'), /expected replicate:<owner>\/<name>/);
    assert.match(planProblem('replicate:a/b:notaversion'), /malformed Replicate version/);
    assert.match(planProblem('fal:flux'), /expected fal:<owner>\/<alias>/);
    assert.match(planProblem('midjourney:v6'), /Unknown model provider "midjourney"/);
    assert.match(planProblem('dall-e-9'), /Unknown model "dall-e-9"/);
    assert.equal(modelProblem('stability:x/y'), 'Unknown model provider "stability" in "stability:x/y": the vendor prefixes are replicate: and fal:.');
  });

  it('prices and tiers catalogued vendor models from the catalog, the rest from the per-provider defaults', () => {
    const defaults: VendorDefaults = { replicate: { credits: 7, minTier: 'business' }, fal: { credits: 4, minTier: 'pro' } };
    assert.equal(findModel('replicate:black-forest-labs/flux-schnell', defaults)?.credits, 3);
    assert.equal(pricePlan(mediaPlan('replicate:black-forest-labs/flux-schnell'), 'pro', 1, new Set(), defaults).total, 3);
    assert.equal(pricePlan(mediaPlan('replicate:someone/new-model'), 'pro', 1, new Set(), defaults).total, 7);
    assert.equal(pricePlan(mediaPlan('fal:someone/new-model'), 'pro', 1.5, new Set(), defaults).total, 6);
    assert.deepEqual(modelAboveTier(mediaPlan('replicate:someone/new-model'), 'pro', defaults), { stepId: 'art', model: 'replicate:someone/new-model', requiredTier: 'business' });
    assert.equal(modelAboveTier(mediaPlan('replicate:black-forest-labs/flux-schnell'), 'pro', defaults), undefined);
  });
});
