// Template: renders `{{ name }}` placeholders from its inputs, optionally parsing the result as JSON.
import { z } from 'zod';
import { renderTemplate } from './templateText';
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
  run: ({ stepId, config, inputs }) => {
    const text = renderTemplate(typeof config.template === 'string' ? config.template : '', inputs);
    let json: unknown = null;
    if (config.format === 'json') {
      try {
        json = JSON.parse(text);
      } catch {
        throw new Error(`Template "${stepId}" did not render valid JSON.`);
      }
    }
    return { text, json };
  },
};
