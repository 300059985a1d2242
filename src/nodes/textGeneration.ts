// Text Generation: an LLM call that streams tokens while its step is `streaming`.
import { z } from 'zod';
import { executableConfig, PROVIDER_RETRY, ports, type NodeModule } from './types';

const config = executableConfig.extend({
  model: z.string().optional(),
  prompt: z.string().optional(),
  system: z.string().optional(),
  maxTokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
});

/** The Text Generation node type. */
export const textGeneration: NodeModule<z.infer<typeof config>> = {
  type: 'text-generation',
  label: 'Text Generation',
  executable: true,
  source: false,
  inputs: [
    { name: 'prompt', required: true, satisfiedByConfig: 'prompt' },
    { name: 'system', required: false },
  ],
  variadicInputs: true,
  outputs: ports('text'),
  config,
  modelKind: 'text',
  defaultModel: 'sandbox-text',
  retry: PROVIDER_RETRY,
  timeoutMs: 120_000,
  execution: () => ({ kind: 'activity', activity: 'generateText' }),
};
