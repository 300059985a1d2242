import assert from 'node:assert/strict';
import { findModel } from '../../../src/domain/models';
import { findNodeModule, NODE_MODULES } from '../../../src/nodes/registry';

describe('node type registry', () => {
  it('knows every node type the studio offers, each module under its own type id', () => {
    for (const type of ['request-input', 'webhook-trigger', 'text-generation', 'image-generation', 'video-generation', 'http-request', 'template', 'response-output', 'note']) {
      assert.equal(findNodeModule(type)?.type, type);
    }
    for (const [type, module] of Object.entries(NODE_MODULES)) assert.equal(module.type, type);
  });

  it('knows nothing of unknown types, including inherited object keys', () => {
    assert.equal(findNodeModule('spreadsheet'), undefined);
    assert.equal(findNodeModule('toString'), undefined);
    assert.equal(findNodeModule('__proto__'), undefined);
  });

  it('makes notes the only non-executable type', () => {
    assert.deepEqual(Object.values(NODE_MODULES).filter((module) => !module.executable).map((module) => module.type), ['note']);
  });

  it('gives every generation type a default model of its own kind', () => {
    for (const module of Object.values(NODE_MODULES)) {
      if (!module.modelKind) continue;
      assert.ok(module.defaultModel, module.type);
      assert.equal(findModel(module.defaultModel)?.kind, module.modelKind, module.type);
    }
  });

  it('offers one Request Input output port per declared field, and none for malformed field lists', () => {
    const { outputs } = findNodeModule('request-input')!;
    assert.deepEqual(outputs({ fields: [{ name: 'topic', type: 'string' }, { name: 'count', type: 'integer' }] }), ['topic', 'count']);
    assert.deepEqual(outputs({}), []);
    assert.deepEqual(outputs({ fields: 'topic' }), []);
    assert.deepEqual(outputs({ fields: [null, 3, { type: 'string' }, { name: 'ok' }] }), ['ok']);
  });

  it('offers the fixed output ports of other types', () => {
    assert.deepEqual(findNodeModule('template')!.outputs({}), ['text', 'json']);
    assert.deepEqual(findNodeModule('http-request')!.outputs({}), ['status', 'headers', 'body']);
  });

  it('runs media models as an activity when sync and as a job when async, as the model catalog says', () => {
    const video = findNodeModule('video-generation')!;
    const image = findNodeModule('image-generation')!;
    assert.deepEqual(image.execution({}, findModel('sandbox-image')), { kind: 'activity', activity: 'generateMedia' });
    assert.deepEqual(video.execution({ pollAfterMs: 50 }, findModel('sandbox-video')), { kind: 'job', job: { provider: 'sandbox', pollable: true, pollAfterMs: 50 } });
    assert.equal(video.execution({}, findModel('sandbox-video-push')).kind, 'job');
  });

  it('keeps the Webhook Trigger secret out of plans', () => {
    assert.deepEqual(findNodeModule('webhook-trigger')!.secrets, ['secret']);
  });
});
