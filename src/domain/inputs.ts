// Run inputs: the fields the plan's Request Input nodes declare, their JSON schema, and validation.
import { nodeHasRole } from '../nodes/registry';
import { inputFieldsOf, type InputField } from './canvas';
import { InputValidationError, type FieldIssue } from './errors';
import type { CanvasGraph, Plan } from './types';

/** The input fields of every Request Input node taking part in the plan. */
export function inputFieldsOfPlan(graph: CanvasGraph, plan: Plan): InputField[] {
  const planned = new Set(plan.steps.map((step) => step.id));
  return graph.nodes
    .filter((node) => nodeHasRole(node.type, 'run-inputs') && planned.has(node.id))
    .flatMap((node) => inputFieldsOf(node.config, node.id));
}

/** A JSON Schema (2020-12) object describing the inputs. */
export function inputsJsonSchema(fields: InputField[]): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const field of fields) {
    properties[field.name] = {
      type: field.type,
      ...(field.description ? { description: field.description } : {}),
      ...(field.enum ? { enum: field.enum } : {}),
      ...(field.maxLength ? { maxLength: field.maxLength } : {}),
      ...(field.default !== undefined ? { default: field.default } : {}),
    };
  }
  return {
    type: 'object',
    properties,
    required: fields.filter((field) => field.required && field.default === undefined).map((field) => field.name),
    additionalProperties: false,
  };
}

/** Checks `inputs` against the fields; returns them with defaults applied, or throws with every failing field. */
export function validateInputs(fields: InputField[], inputs: unknown): Record<string, unknown> {
  if (inputs === null || typeof inputs !== 'object' || Array.isArray(inputs)) {
    throw new InputValidationError('The inputs field is missing or not an object.', [{ field: 'inputs', message: 'must be an object' }]);
  }
  const given = inputs as Record<string, unknown>;
  const issues: FieldIssue[] = [];
  const result: Record<string, unknown> = {};
  const known = new Set(fields.map((field) => field.name));
  for (const key of Object.keys(given)) {
    if (!known.has(key)) issues.push({ field: key, message: 'is not an input of this workflow' });
  }
  for (const field of fields) {
    const value = Object.hasOwn(given, field.name) ? given[field.name] : undefined;
    if (value === undefined || value === null) {
      if (field.default !== undefined) result[field.name] = field.default;
      else if (field.required) issues.push({ field: field.name, message: 'is required' });
      continue;
    }
    const problem = checkValue(field, value);
    if (problem) issues.push({ field: field.name, message: problem });
    else result[field.name] = value;
  }
  if (issues.length > 0) {
    throw new InputValidationError(`Invalid inputs: ${issues.map((issue) => `${issue.field} ${issue.message}`).join('; ')}.`, issues);
  }
  return result;
}

function checkValue(field: InputField, value: unknown): string | undefined {
  switch (field.type) {
    case 'string':
      if (typeof value !== 'string') return 'must be a string';
      if (field.maxLength !== undefined && value.length > field.maxLength) return `must be at most ${field.maxLength} characters`;
      break;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
      break;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return 'must be an integer';
      break;
    case 'boolean':
      if (typeof value !== 'boolean') return 'must be a boolean';
      break;
    case 'object':
      if (typeof value !== 'object' || Array.isArray(value)) return 'must be an object';
      break;
    case 'array':
      if (!Array.isArray(value)) return 'must be an array';
      break;
  }
  if (field.enum && !field.enum.includes(value as string | number)) return `must be one of ${field.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  return undefined;
}
