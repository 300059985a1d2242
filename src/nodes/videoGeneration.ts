// Video Generation: a prompt in, a video reference out (usually an async provider job).
import { z } from 'zod';
import { MAX_IMAGE_SIDE } from './imageGeneration';
import { mediaGenerationNode } from './media';

const side = z.number().int().positive().max(MAX_IMAGE_SIDE, `at most ${MAX_IMAGE_SIDE} pixels`).optional();

/** The Video Generation node type. */
export const videoGeneration = mediaGenerationNode({
  type: 'video-generation',
  label: 'Video Generation',
  kind: 'video',
  port: 'video',
  defaultModel: 'sandbox-video',
  params: { width: side, height: side, durationMs: z.number().int().positive().max(600_000).optional() },
  timeoutMs: 600_000,
});
