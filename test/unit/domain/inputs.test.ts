import assert from 'node:assert/strict';
import type { InputField } from '../../../src/domain/canvas';
import { InputValidationError } from '../../../src/domain/errors';
import { inputFieldsOfPlan, inputsJsonSchema, validateInputs } from '../../../src/domain/inputs';
import { planRun } from '../../../src/domain/planner';
import { edge, graph, node, requestInput } from './builders';

function field(name: string, type: InputField['type'], extra: Partial<InputField> = {}): InputField {
  return { name, type, required: true, ...extra };
}

/** Runs validateInputs expecting a refusal; returns the failing fields. */
function refusal(fields: InputField[], inputs: unknown): InputValidationError['fields'] {
  let caught: unknown;
  try {
    validateInputs(fields, inputs);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof InputValidationError, `expected an InputValidationError, got ${String(caught)}`);
  return caught.fields;
}

describe('run inputs', () => {
  describe('inputFieldsOfPlan', () => {
    it('collects the fields of every Request Input node in the plan, with required defaulting to true', () => {
      const canvas = graph(
        [
          requestInput('who', [{ name: 'name', type: 'string' }]),
          requestInput('how', [{ name: 'tone', type: 'string', required: false, enum: ['warm', 'dry'] }]),
          node('writer', 'text-generation'),
          node('output', 'response-output'),
        ],
        [edge('who.name', 'writer.prompt'), edge('how.tone', 'writer.system'), edge('writer.text', 'output.value')],
      );
      const fields = inputFieldsOfPlan(canvas, planRun(canvas));
      assert.deepEqual(fields, [
        { name: 'name', type: 'string', required: true },
        { name: 'tone', type: 'string', required: false, enum: ['warm', 'dry'] },
      ]);
    });

    it('leaves out Request Input nodes that do not feed the target', () => {
      const canvas = graph(
        [
          requestInput('used', [{ name: 'topic', type: 'string' }]),
          requestInput('unused', [{ name: 'other', type: 'number' }]),
          node('writer', 'text-generation'),
          node('output', 'response-output'),
        ],
        [edge('used.topic', 'writer.prompt'), edge('writer.text', 'output.value')],
      );
      assert.deepEqual(inputFieldsOfPlan(canvas, planRun(canvas)).map((f) => f.name), ['topic']);
    });

    it('has no fields when the plan has no Request Input node', () => {
      const canvas = graph(
        [node('writer', 'text-generation', { prompt: 'hi' }), node('output', 'response-output')],
        [edge('writer.text', 'output.value')],
      );
      assert.deepEqual(inputFieldsOfPlan(canvas, planRun(canvas)), []);
    });
  });

  describe('validateInputs', () => {
    it('returns valid inputs unchanged', () => {
      const fields = [field('topic', 'string'), field('count', 'integer'), field('ratio', 'number'), field('loud', 'boolean'), field('meta', 'object'), field('tags', 'array')];
      const inputs = { topic: 'owls', count: 3, ratio: 0.5, loud: false, meta: { a: 1 }, tags: ['x'] };
      assert.deepEqual(validateInputs(fields, inputs), inputs);
    });

    it('refuses a missing required field', () => {
      assert.deepEqual(refusal([field('topic', 'string')], {}), [{ field: 'topic', message: 'is required' }]);
    });

    it('treats null as missing', () => {
      assert.deepEqual(refusal([field('topic', 'string')], { topic: null }), [{ field: 'topic', message: 'is required' }]);
    });

    it('allows an optional field to be left out, and leaves it out of the result', () => {
      const result = validateInputs([field('topic', 'string', { required: false })], {});
      assert.deepEqual(result, {});
    });

    it('applies defaults for fields left out', () => {
      const fields = [field('tone', 'string', { default: 'warm' }), field('count', 'integer', { required: false, default: 2 })];
      assert.deepEqual(validateInputs(fields, {}), { tone: 'warm', count: 2 });
    });

    it('keeps a given value over the default', () => {
      assert.deepEqual(validateInputs([field('tone', 'string', { default: 'warm' })], { tone: 'dry' }), { tone: 'dry' });
    });

    it('refuses values of the wrong type for each field type', () => {
      const cases: Array<[InputField['type'], unknown, string]> = [
        ['string', 42, 'must be a string'],
        ['string', ['a'], 'must be a string'],
        ['number', '3', 'must be a number'],
        ['number', Number.NaN, 'must be a number'],
        ['number', Number.POSITIVE_INFINITY, 'must be a number'],
        ['integer', '3', 'must be an integer'],
        ['boolean', 'true', 'must be a boolean'],
        ['boolean', 0, 'must be a boolean'],
        ['object', [1, 2], 'must be an object'],
        ['object', 'x', 'must be an object'],
        ['array', { 0: 'a' }, 'must be an array'],
        ['array', 'a,b', 'must be an array'],
      ];
      for (const [type, value, message] of cases) {
        assert.deepEqual(refusal([field('f', type)], { f: value }), [{ field: 'f', message }], `${type} given ${JSON.stringify(value)}`);
      }
    });

    it('refuses a fraction for an integer field but accepts it for a number field', () => {
      assert.deepEqual(refusal([field('n', 'integer')], { n: 2.5 }), [{ field: 'n', message: 'must be an integer' }]);
      assert.deepEqual(validateInputs([field('n', 'number')], { n: 2.5 }), { n: 2.5 });
      assert.deepEqual(validateInputs([field('n', 'integer')], { n: 2 }), { n: 2 });
    });

    it('refuses a value outside the enum and names the allowed values', () => {
      const fields = [field('tone', 'string', { enum: ['warm', 'dry'] })];
      assert.deepEqual(refusal(fields, { tone: 'loud' }), [{ field: 'tone', message: 'must be one of "warm", "dry"' }]);
      assert.deepEqual(validateInputs(fields, { tone: 'dry' }), { tone: 'dry' });
    });

    it('applies an enum to numbers too', () => {
      const fields = [field('size', 'integer', { enum: [256, 512] })];
      assert.deepEqual(refusal(fields, { size: 300 }), [{ field: 'size', message: 'must be one of 256, 512' }]);
      assert.deepEqual(validateInputs(fields, { size: 512 }), { size: 512 });
    });

    it('refuses a string longer than maxLength and accepts one exactly as long', () => {
      const fields = [field('title', 'string', { maxLength: 5 })];
      assert.deepEqual(refusal(fields, { title: 'abcdef' }), [{ field: 'title', message: 'must be at most 5 characters' }]);
      assert.deepEqual(validateInputs(fields, { title: 'abcde' }), { title: 'abcde' });
    });

    it('refuses keys that are not inputs of the workflow', () => {
      assert.deepEqual(refusal([field('topic', 'string')], { topic: 'owls', extra: 1 }), [{ field: 'extra', message: 'is not an input of this workflow' }]);
    });

    it('refuses inputs that are not an object', () => {
      for (const inputs of [undefined, null, 'owls', 42, ['owls']]) {
        assert.deepEqual(refusal([field('topic', 'string')], inputs), [{ field: 'inputs', message: 'must be an object' }], JSON.stringify(inputs));
      }
    });

    it('lists every failing field at once', () => {
      const fields = [field('topic', 'string'), field('count', 'integer'), field('tone', 'string', { enum: ['warm'] }), field('ok', 'boolean')];
      let caught: unknown;
      try {
        validateInputs(fields, { count: 1.5, tone: 'cold', ok: true, stray: 'x' });
      } catch (error) {
        caught = error;
      }
      assert.ok(caught instanceof InputValidationError);
      assert.deepEqual(
        [...caught.fields].sort((a, b) => a.field.localeCompare(b.field)),
        [
          { field: 'count', message: 'must be an integer' },
          { field: 'stray', message: 'is not an input of this workflow' },
          { field: 'tone', message: 'must be one of "warm"' },
          { field: 'topic', message: 'is required' },
        ],
      );
      for (const name of ['count', 'stray', 'tone', 'topic']) assert.match(caught.message, new RegExp(name));
    });

    it('accepts no inputs for a workflow without fields', () => {
      assert.deepEqual(validateInputs([], {}), {});
    });
  });

  describe('inputsJsonSchema', () => {
    it('describes each field with its type, description, enum, maxLength and default', () => {
      const schema = inputsJsonSchema([
        field('topic', 'string', { description: 'What to write about', maxLength: 200 }),
        field('tone', 'string', { enum: ['warm', 'dry'], default: 'warm' }),
        field('count', 'integer', { required: false }),
      ]);
      assert.deepEqual(schema, {
        type: 'object',
        properties: {
          topic: { type: 'string', description: 'What to write about', maxLength: 200 },
          tone: { type: 'string', enum: ['warm', 'dry'], default: 'warm' },
          count: { type: 'integer' },
        },
        required: ['topic'],
        additionalProperties: false,
      });
    });

    it('does not require fields that have a default', () => {
      const schema = inputsJsonSchema([field('tone', 'string', { default: 'warm' })]);
      assert.deepEqual(schema.required, []);
    });

    it('describes no fields as an empty object that takes no properties', () => {
      assert.deepEqual(inputsJsonSchema([]), { type: 'object', properties: {}, required: [], additionalProperties: false });
    });
  });
});
