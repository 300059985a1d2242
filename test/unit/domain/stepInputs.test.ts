import assert from 'node:assert/strict';
import { planRun } from '../../../src/domain/planner';
import { promptOf, resolveStepInputs, runInlineStep } from '../../../src/domain/stepInputs';
import type { StepOutput } from '../../../src/domain/types';
import { edge, graph, node, requestInput, step } from './builders';

describe('step inputs and inline steps', () => {
  describe('resolveStepInputs', () => {
    it('puts each upstream output on the input port it is wired to', () => {
      const writer = step({
        id: 'writer',
        nodeType: 'text-generation',
        inputs: [
          { port: 'prompt', sourceNodeId: 'input', sourcePort: 'topic' },
          { port: 'system', sourceNodeId: 'persona', sourcePort: 'text' },
        ],
      });
      const outputs = new Map<string, StepOutput>([
        ['input', { topic: 'owls', tone: 'warm' }],
        ['persona', { text: 'You are terse.', json: null }],
      ]);
      assert.deepEqual(resolveStepInputs(writer, outputs), { prompt: 'owls', system: 'You are terse.' });
    });

    it('gives a port fed by two edges an array of both values, in edge order', () => {
      const output = step({
        id: 'output',
        nodeType: 'response-output',
        inputs: [
          { port: 'value', sourceNodeId: 'a', sourcePort: 'text' },
          { port: 'value', sourceNodeId: 'b', sourcePort: 'text' },
          { port: 'other', sourceNodeId: 'a', sourcePort: 'text' },
        ],
      });
      const outputs = new Map<string, StepOutput>([
        ['a', { text: 'from a' }],
        ['b', { text: 'from b' }],
      ]);
      assert.deepEqual(resolveStepInputs(output, outputs), { value: ['from a', 'from b'], other: 'from a' });
    });

    it('leaves a port undefined when its upstream output is not there', () => {
      const writer = step({ id: 'w', nodeType: 'text-generation', inputs: [{ port: 'prompt', sourceNodeId: 'gone', sourcePort: 'text' }] });
      const values = resolveStepInputs(writer, new Map());
      assert.equal(Object.hasOwn(values, 'prompt'), true);
      assert.equal(values.prompt, undefined);
    });

    it('has no values for a step without inputs', () => {
      assert.deepEqual(resolveStepInputs(step({ id: 'input', nodeType: 'request-input' }), new Map()), {});
    });

    it('resolves the bindings the planner made', () => {
      const canvas = graph(
        [requestInput('input', [{ name: 'topic', type: 'string' }]), node('writer', 'text-generation'), node('output', 'response-output')],
        [edge('input.topic', 'writer.prompt'), edge('writer.text', 'output.answer')],
      );
      const plan = planRun(canvas);
      const outputStep = plan.steps.find((s) => s.id === 'output')!;
      assert.deepEqual(resolveStepInputs(outputStep, new Map([['writer', { text: 'Owls hoot.' }]])), { answer: 'Owls hoot.' });
    });
  });

  describe('runInlineStep', () => {
    it('makes a Request Input step output the run inputs, one port per field', () => {
      const inputs = { topic: 'owls', count: 2 };
      const output = runInlineStep(step({ id: 'input', nodeType: 'request-input' }), {}, inputs);
      assert.deepEqual(output, { topic: 'owls', count: 2 });
      assert.notEqual(output, inputs, 'a copy, so later changes do not leak into the run inputs');
    });

    it('makes a Webhook Trigger step output the run inputs', () => {
      const output = runInlineStep(step({ id: 'hook', nodeType: 'webhook-trigger' }), {}, { body: { a: 1 }, headers: {} });
      assert.deepEqual(output, { body: { a: 1 }, headers: {} });
    });

    it('renders a Template step to text, with json null when no format is set', () => {
      const template = step({ id: 't', nodeType: 'template', config: { template: 'Hello {{ name }}!' } });
      assert.deepEqual(runInlineStep(template, { name: 'Ada' }, {}), { text: 'Hello Ada!', json: null });
    });

    it('parses a Template step with format json into its json output', () => {
      const template = step({ id: 't', nodeType: 'template', config: { template: '{"name": "{{ name }}", "n": {{ n }}}', format: 'json' } });
      assert.deepEqual(runInlineStep(template, { name: 'Ada', n: 3 }, {}), { text: '{"name": "Ada", "n": 3}', json: { name: 'Ada', n: 3 } });
    });

    it('fails a Template step with format json that renders invalid JSON, naming the step', () => {
      const template = step({ id: 'shape', nodeType: 'template', config: { template: '{"name": {{ name }}}', format: 'json' } });
      assert.throws(() => runInlineStep(template, { name: 'Ada' }, {}), /Template "shape" did not render valid JSON/);
    });

    it('renders a Template step without a template as empty text', () => {
      assert.deepEqual(runInlineStep(step({ id: 't', nodeType: 'template' }), { a: 1 }, {}), { text: '', json: null });
    });

    it('makes a Response Output with one connected port output that value directly', () => {
      const output = step({ id: 'out', nodeType: 'response-output' });
      assert.deepEqual(runInlineStep(output, { answer: 'Owls hoot.' }, {}), { value: 'Owls hoot.' });
    });

    it('makes a Response Output with several ports output an object keyed by port', () => {
      const output = step({ id: 'out', nodeType: 'response-output' });
      assert.deepEqual(runInlineStep(output, { text: 'caption', image: 'https://img' }, {}), { value: { text: 'caption', image: 'https://img' } });
    });

    it('keeps the port name of a single input when the Response Output asks to wrap', () => {
      const output = step({ id: 'out', nodeType: 'response-output', config: { wrap: true } });
      assert.deepEqual(runInlineStep(output, { answer: 'Owls hoot.' }, {}), { value: { answer: 'Owls hoot.' } });
    });

    it('refuses to run a provider step inline', () => {
      for (const nodeType of ['text-generation', 'image-generation', 'http-request', 'note']) {
        assert.throws(() => runInlineStep(step({ id: 'x', nodeType }), {}, {}), new RegExp(`Step "x" of type ${nodeType} is not an inline step`));
      }
    });
  });

  describe('promptOf', () => {
    it('renders config.prompt with the step inputs', () => {
      const writer = step({ id: 'w', nodeType: 'text-generation', config: { prompt: 'Write about {{ topic }}.' } });
      assert.equal(promptOf(writer, { topic: 'owls' }), 'Write about owls.');
    });

    it('prefers config.prompt over the prompt input, which it can still refer to', () => {
      const writer = step({ id: 'w', nodeType: 'text-generation', config: { prompt: 'Summarise: {{ prompt }}' } });
      assert.equal(promptOf(writer, { prompt: 'a long text' }), 'Summarise: a long text');
    });

    it('uses the prompt input when there is no config.prompt', () => {
      assert.equal(promptOf(step({ id: 'w', nodeType: 'text-generation' }), { prompt: 'Write a haiku' }), 'Write a haiku');
    });

    it('turns a prompt input that is not text into JSON', () => {
      const writer = step({ id: 'w', nodeType: 'text-generation' });
      assert.equal(promptOf(writer, { prompt: { topic: 'owls' } }), '{"topic":"owls"}');
      assert.equal(promptOf(writer, { prompt: ['a', 'b'] }), '["a","b"]');
    });

    it('gives an empty prompt when the prompt input carries no value', () => {
      assert.equal(promptOf(step({ id: 'w', nodeType: 'text-generation' }), {}), '');
      assert.equal(promptOf(step({ id: 'w', nodeType: 'text-generation' }), { prompt: null }), '');
    });

    it('uses the prompt input when config.prompt is blank', () => {
      const writer = step({ id: 'w', nodeType: 'text-generation', config: { prompt: '' } });
      assert.equal(promptOf(writer, { prompt: 'Write a haiku' }), 'Write a haiku');
      const spaces = step({ id: 'w', nodeType: 'text-generation', config: { prompt: '  ' } });
      assert.equal(promptOf(spaces, { prompt: 'Write a haiku' }), 'Write a haiku');
    });
  });
});
