// Request and response bodies of the provider callback route.
import { z } from 'zod';
import { storedMediaRefSchema } from './media';

/** A job's result: a reference the provider stored, or a URL the worker downloads into the media store. */
export const mediaResultSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('stored'), ref: storedMediaRefSchema }),
  z.object({
    type: z.literal('url'),
    url: z.url({ protocol: /^https?$/ }).max(4000),
    meta: z.object({ mimeType: z.string().max(200).optional(), width: z.number().int().positive().optional(), height: z.number().int().positive().optional(), durationMs: z.number().nonnegative().optional() }).optional(),
  }),
]);

/** Body an async provider POSTs when its job ends (providers with their own format parse it themselves). */
export const callbackBodySchema = z.object({
  jobId: z.string().min(1).max(200),
  status: z.enum(['succeeded', 'failed']),
  result: mediaResultSchema.optional(),
  error: z.object({ type: z.string().max(100), message: z.string().max(2000) }).optional(),
});

/** Answer of the callback route: 202 `accepted: true` when delivered, 200 `accepted: false` when ignored. */
export const callbackResponseSchema = z.object({
  success: z.literal(true),
  accepted: z.boolean().describe('True when the result was delivered to the waiting step.'),
  reason: z.string().optional().describe('Why it was ignored (the step no longer waits, the run ended, a progress event).'),
});
export type CallbackResponse = z.infer<typeof callbackResponseSchema>;
