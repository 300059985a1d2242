// Image Generation: a prompt in, an image reference out.
import { z } from 'zod';
import { mediaGenerationNode } from './media';

/** Largest image side accepted, in pixels; larger requests are refused at planning, never clamped. */
export const MAX_IMAGE_SIDE = 8192;

const side = z.number().int().positive().max(MAX_IMAGE_SIDE, `at most ${MAX_IMAGE_SIDE} pixels`).optional();

/** The Image Generation node type. */
export const imageGeneration = mediaGenerationNode({
  type: 'image-generation',
  label: 'Image Generation',
  kind: 'image',
  port: 'image',
  defaultModel: 'sandbox-image',
  params: { width: side, height: side },
  timeoutMs: 300_000,
});
