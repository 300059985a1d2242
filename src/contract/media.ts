// The one zod schema of a stored media reference, for every place that parses one from outside
// (provider callbacks, the sandbox's own callbacks).
import { z } from 'zod';

/** A stored media reference (`StoredMediaRef`): never bytes, never a URL. */
export const storedMediaRefSchema = z.object({
  mediaId: z.string().regex(/^med_[0-9a-f]{64}$/),
  mimeType: z.string().min(1).max(200),
  sizeBytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  durationMs: z.number().nonnegative().optional(),
});
