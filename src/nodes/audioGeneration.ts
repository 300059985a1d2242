// Audio Generation: text to speech; a prompt (the text to speak) in, an audio reference out.
import { z } from 'zod';
import { mediaGenerationNode } from './media';

/** The Audio Generation node type. */
export const audioGeneration = mediaGenerationNode({
  type: 'audio-generation',
  label: 'Audio Generation',
  kind: 'audio',
  port: 'audio',
  defaultModel: 'sandbox-audio',
  params: { voice: z.string().min(1).max(64).optional(), durationMs: z.number().int().positive().max(600_000).optional() },
  timeoutMs: 300_000,
});
