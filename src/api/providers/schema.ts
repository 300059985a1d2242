// Request schemas of the provider callback route.
import { z } from 'zod';

/** Body an async provider POSTs when its job ends. */
export const callbackBodySchema = z.object({
  jobId: z.string().min(1).max(200),
  status: z.enum(['succeeded', 'failed']),
  result: z.unknown().optional(),
  error: z.object({ type: z.string().max(100), message: z.string().max(2000) }).optional(),
});
