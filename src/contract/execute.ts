// Request and response bodies of the studio's manual trigger, POST /api/execute/start.
import { z } from 'zod';
import { ID_PATTERN as idPattern, idempotencyKeyHeaderSchema } from './common';

/** Body of `POST /api/execute/start`. */
export const executeStartBodySchema = z.strictObject({
  canvasId: z.string().min(1).max(100).regex(idPattern).describe('The canvas (workflow) to run.'),
  executionId: z.string().min(1).max(100).regex(idPattern).optional().describe('Optional client-chosen execution id; 409 when taken.'),
  targetNodeId: z.string().min(1).max(100).optional().describe('The node to run (with everything upstream); default: the Response Output node.'),
  inputs: z.record(z.string(), z.unknown()).optional().describe('Values of the Request Input fields.'),
  maxCredits: z
    .number()
    .int()
    .min(0)
    .max(1_000_000_000)
    .optional()
    .describe('Optional budget: a run whose estimate (each step at its maximum) exceeds it is refused with 402 BUDGET_EXCEEDED.'),
});

/** Request headers of `POST /api/execute/start`. */
export const executeStartHeadersSchema = z.object({
  'x-trigger-type': z.literal('manual').describe('Must be `manual`: this endpoint admits only the studio’s manual runs.'),
  'idempotency-key': idempotencyKeyHeaderSchema,
});

/** 202 answer of `POST /api/execute/start` (replayed verbatim for a repeated Idempotency-Key). */
export const executeStartResponseSchema = z.object({
  success: z.literal(true),
  executionId: z.string(),
  status: z.literal('planning'),
  triggerType: z.literal('manual'),
  statusUrl: z.string(),
});
export type ExecuteStartResponse = z.infer<typeof executeStartResponseSchema>;
