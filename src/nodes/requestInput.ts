// Request Input: declares the run's input fields; its output ports are those fields.
import { z } from 'zod';
import { inputFieldSchema } from '../domain/canvas';
import { NO_RETRY, type NodeModule } from './types';

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
  run: ({ runInputs }) => ({ ...runInputs }),
};
