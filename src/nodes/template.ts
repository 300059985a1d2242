// Template: renders `{{ name }}` placeholders from its inputs, optionally parsing the result as JSON.
import { z } from 'zod';
import { templateRun } from './inlineRuns';
import { NO_RETRY, ports, type NodeModule } from './types';

const config = z.object({ template: z.string().default(''), format: z.enum(['text', 'json']).optional() }).loose();

/** The Template node type. */
export const template: NodeModule<z.infer<typeof config>> = {
  type: 'template',
  label: 'Template',
  executable: true,
  source: false,
  inputs: [],
  variadicInputs: true,
  outputs: ports('text', 'json'),
  config,
  retry: NO_RETRY,
  timeoutMs: 1_000,
  execution: () => ({ kind: 'inline' }),
  run: templateRun,
};
