// Request Input: declares the run's input fields; its output ports are those fields.
import { z } from 'zod';
import { runInputsRun } from './inlineRuns';
import { NO_RETRY, type NodeModule } from './types';

/** One Request Input field: its name, type and whether it is required. */
export const inputFieldSchema = z.object({
  name: z.string().min(1).max(64).regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'field names are identifiers'),
  type: z.enum(['string', 'number', 'integer', 'boolean', 'object', 'array']),
  required: z.boolean().default(true),
  description: z.string().max(500).optional(),
  default: z.unknown().optional(),
  enum: z.array(z.union([z.string(), z.number()])).min(1).optional(),
  maxLength: z.number().int().positive().optional(),
});
export type InputField = z.infer<typeof inputFieldSchema>;

const config = z
  .object({ fields: z.array(inputFieldSchema).default([]) })
  .loose()
  .superRefine((value, ctx) => {
    const names = new Set<string>();
    value.fields.forEach((field, index) => {
      if (names.has(field.name)) ctx.addIssue({ code: 'custom', path: ['fields', index, 'name'], message: `declares the field "${field.name}" twice` });
      names.add(field.name);
    });
  });

/** The Request Input node type. */
export const requestInput: NodeModule<z.infer<typeof config>> = {
  type: 'request-input',
  label: 'Request Input',
  executable: true,
  source: true,
  role: 'run-inputs',
  inputs: [],
  variadicInputs: false,
  // Read leniently: ports are needed to check edges before configs are parsed.
  outputs: (raw) =>
    (Array.isArray(raw.fields) ? raw.fields : []).flatMap((field: unknown) =>
      field && typeof field === 'object' && typeof (field as { name?: unknown }).name === 'string' ? [(field as { name: string }).name] : [],
    ),
  config,
  retry: NO_RETRY,
  timeoutMs: 1_000,
  execution: () => ({ kind: 'inline' }),
  run: runInputsRun,
};
