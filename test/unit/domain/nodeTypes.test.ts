import assert from 'node:assert/strict';
import { findModel } from '../../../src/domain/models';
import { findNodeType, modelFits, modelOf, NODE_TYPES, outputPortsOf } from '../../../src/domain/nodeTypes';
import { node } from './builders';

describe('node type registry', () => {
  it('knows every node type the studio offers', () => {
    for (const type of ['request-input', 'webhook-trigger', 'text-generation', 'image-generation', 'video-generation', 'http-request', 'template', 'response-output', 'note']) {
      assert.equal(findNodeType(type)?.type, type);
    }
  });

  it('knows nothing of unknown types, including inherited object keys', () => {
    assert.equal(findNodeType('spreadsheet'), undefined);
    assert.equal(findNodeType('toString'), undefined);
    assert.equal(findNodeType('__proto__'), undefined);
  });

  it('makes notes the only non-executable type', () => {
    assert.deepEqual(Object.values(NODE_TYPES).filter((spec) => !spec.executable).map((spec) => spec.type), ['note']);
  });

  it('gives every generation type a default model of its own kind', () => {
    for (const type of ['text-generation', 'image-generation', 'video-generation']) {
      const spec = findNodeType(type)!;
      assert.ok(spec.defaultModel, type);
      assert.equal(findModel(spec.defaultModel)?.kind, spec.modelKind, type);
    }
  });

  it('offers one Request Input output port per declared field', () => {
    const spec = findNodeType('request-input')!;
    const input = node('input', 'request-input', { fields: [{ name: 'topic', type: 'string' }, { name: 'count', type: 'integer' }] });
    assert.deepEqual(outputPortsOf(input, spec), ['topic', 'count']);
  });

  it('offers no Request Input ports for missing or malformed field lists', () => {
    const spec = findNodeType('request-input')!;
    assert.deepEqual(outputPortsOf(node('i', 'request-input'), spec), []);
    assert.deepEqual(outputPortsOf(node('i', 'request-input', { fields: 'topic' }), spec), []);
    assert.deepEqual(outputPortsOf(node('i', 'request-input', { fields: [null, 3, { type: 'string' }, { name: 'ok' }] }), spec), ['ok']);
  });

  it('offers the fixed output ports of other types', () => {
    assert.deepEqual(outputPortsOf(node('t', 'template'), findNodeType('template')!), ['text', 'json']);
    assert.deepEqual(outputPortsOf(node('h', 'http-request'), findNodeType('http-request')!), ['status', 'headers', 'body']);
  });

  it('uses the configured model, else the default, and none for types without models', () => {
    const text = findNodeType('text-generation')!;
    assert.equal(modelOf(node('w', 'text-generation', { model: 'gpt-4.1' }), text), 'gpt-4.1');
    assert.equal(modelOf(node('w', 'text-generation'), text), 'sandbox-text');
    assert.equal(modelOf(node('w', 'text-generation', { model: 7 }), text), 'sandbox-text');
    assert.equal(modelOf(node('t', 'template', { model: 'gpt-4.1' }), findNodeType('template')!), undefined);
  });

  it('fits a model only to nodes of its kind', () => {
    assert.equal(modelFits('gpt-4.1', findNodeType('text-generation')!), true);
    assert.equal(modelFits('gpt-4.1', findNodeType('image-generation')!), false);
    assert.equal(modelFits('sandbox-video-push', findNodeType('video-generation')!), true);
    assert.equal(modelFits('nope', findNodeType('text-generation')!), false);
  });
});
