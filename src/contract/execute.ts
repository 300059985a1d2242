// Request and response bodies of the studio's manual trigger, POST /api/execute/start.
import { z } from 'zod';
import { ID_PATTERN as idPattern, idempotencyKeyHeaderSchema, maxCreditsSchema } from './common';
import { API_KEY_ERRORS, defineRoute, errorResponse, RATE_LIMIT_HEADERS } from './routes';

/** Body of `POST /api/execute/start`. */
export const executeStartBodySchema = z.strictObject({
  canvasId: z.string().min(1).max(100).regex(idPattern).describe('The canvas (workflow) to run.'),
  executionId: z.string().min(1).max(100).regex(idPattern).optional().describe('Optional client-chosen execution id; 409 when taken.'),
  targetNodeId: z.string().min(1).max(100).optional().describe('The node to run (with everything upstream); default: the Response Output node.'),
  inputs: z.record(z.string(), z.unknown()).optional().describe('Values of the Request Input fields.'),
  maxCredits: maxCreditsSchema,
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

/** `POST /api/execute/start`: the studio's manual trigger, declared once (mounted by src/api/execute/routes.ts). */
export const executeStartRoute = defineRoute({
  method: 'post',
  path: '/api/execute/start',
  summary: 'Start a manual run of a canvas (studio trigger)',
  description:
    'Admits a manual run of the canvas and answers 202 at once. A repeated Idempotency-Key returns the first answer ' +
    '(header Idempotent-Replayed: true) instead of starting another run; the same key with a different body is refused.',
  tags: ['Studio'],
  auth: 'apiKey',
  headers: executeStartHeadersSchema,
  body: executeStartBodySchema,
  responses: {
    202: { description: 'The run was admitted (or the first answer to this Idempotency-Key).', body: executeStartResponseSchema, headers: RATE_LIMIT_HEADERS },
    400: errorResponse('INVALID_TRIGGER_TYPE, INVALID_REQUEST or INVALID_INPUTS.'),
    402: errorResponse('INSUFFICIENT_CREDITS, grant_exhausted or BUDGET_EXCEEDED (the estimate exceeds `maxCredits`).'),
    403: errorResponse('CAPABILITY_DENIED (with `required`) or MODEL_TIER_REQUIRED.'),
    404: errorResponse('No canvas with this id in your account.'),
    409: errorResponse('EXECUTION_EXISTS (client-chosen executionId taken) or IDEMPOTENCY_IN_PROGRESS.'),
    422: errorResponse('IDEMPOTENCY_KEY_REUSED or INVALID_WORKFLOW.'),
    ...API_KEY_ERRORS,
  },
});

/** The retired combined `/api/execute`: 410 for every method (no operation of the document). */
export const retiredExecuteRoute = defineRoute({
  method: 'all',
  path: '/api/execute',
  summary: 'Retired combined endpoint',
  description: 'Retired: answers 410 for every method. Use POST /api/execute/start (studio) or POST /api/workflows/:slug/run (API).',
  tags: ['Studio'],
  auth: 'none',
  deprecated: true,
  notAnOperation: 'Retired: answers 410 GONE for every method; see POST /api/execute/start and POST /api/workflows/{slug}/run.',
  responses: { 410: errorResponse('GONE.') },
});
