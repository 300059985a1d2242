// The execution (run) as every surface shows it: the view of one run with its steps, the list item,
// and the bodies of the execution routes (list, read, cancel, replay).
import { z } from 'zod';
import { isoTimeSchema } from './common';
import { defineRoute, errorResponse, RATE_LIMIT_HEADERS, VIEW_TOKEN_ERRORS } from './routes';
import { executionStatusSchema, stepStatusSchema, triggerTypeSchema } from './statuses';

/** Why a run or a step failed, as stored and shown. */
export const runErrorSchema = z
  .object({
    type: z.string().describe('A closed error type: provider error types, `StepTimeout`, `RunTimeout`, `Cancelled`, `InlineStepFailed`…'),
    message: z.string(),
    stepId: z.string().optional().describe('The failed step, when one did.'),
    nodeType: z.string().optional(),
    attempt: z.number().int().optional(),
  })
  .meta({ id: 'RunError' });
export type RunError = z.infer<typeof runErrorSchema>;

/** What a waiting run waits on: one entry per waiting step. */
export const waitpointSchema = z
  .object({ stepId: z.string(), provider: z.string(), jobId: z.string(), since: isoTimeSchema })
  .meta({ id: 'Waitpoint', description: 'An async provider job a step waits on.' });

/** What a waiting step waits on: its provider's job (the callback token, a secret, is never shown). */
export const stepWaitpointSchema = z
  .object({
    provider: z.string(),
    type: z
      .enum(['vendor-capacity'])
      .optional()
      .describe('`vendor-capacity`: the step waits for a free slot of its vendor account (VENDOR_CONCURRENCY) or for a vendor paused after a 429; absent: it waits on its job.'),
    vendor: z.string().optional().describe('With `type: vendor-capacity`: the vendor whose capacity the step waits for.'),
    stepId: z.string().optional(),
    jobId: z.string().optional().describe('The provider’s job id, once submitted.'),
    jobKey: z.string().optional().describe('Our idempotency key of the job submission.'),
    since: isoTimeSchema.optional(),
  })
  .meta({ id: 'StepWaitpoint' });

/** One failed attempt of a step. */
export const attemptErrorSchema = z
  .object({ attempt: z.number().int(), type: z.string(), message: z.string(), at: isoTimeSchema })
  .meta({ id: 'AttemptError' });

/** One step of a run. */
export const stepViewSchema = z
  .object({
    id: z.string().describe('The step id (the canvas node id).'),
    name: z.string().describe('The node’s name on the canvas.'),
    nodeType: z.string(),
    groupIndex: z.number().int().describe('Steps of one group run in parallel; groups run in order.'),
    status: stepStatusSchema,
    attempts: z.number().int(),
    output: z.unknown().describe('The step’s output (media as references with signed URLs); null until it completes.'),
    error: runErrorSchema.nullable(),
    attemptErrors: z.array(attemptErrorSchema).describe('Every failed attempt’s error, also of attempts a retry recovered from.'),
    waitingOn: stepWaitpointSchema.nullable().describe('What a waiting step waits on (its provider and job); null otherwise.'),
    reused: z.boolean().describe('True when a replay reused this step’s recorded output instead of running it.'),
    cache: z
      .object({ hit: z.literal(true), executionId: z.string(), stepId: z.string() })
      .nullable()
      .optional()
      .describe('Set when the step completed from the output cache (`config.cache`): the run and step that paid for the output. The step cost 0 credits and made no provider call.'),
    startedAt: isoTimeSchema.nullable(),
    finishedAt: isoTimeSchema.nullable(),
  })
  .meta({ id: 'StepView' });
export type StepView = z.infer<typeof stepViewSchema>;

/** The fields of a run that lists show; the full view has these and more. */
export const executionSummarySchema = z
  .object({
    id: z.string(),
    workflowSlug: z.string(),
    status: executionStatusSchema,
    triggerType: triggerTypeSchema,
    creditsUsed: z.number().int().describe('Credits the run cost from the balance, net of refunds; 0 when a trial grant paid.'),
    creditsRefunded: z.number().int().describe('Credits given back because the run ended `error` or `cancelled`.'),
    durationMs: z.number().int().nullable().describe('From receiving the request to the run settling.'),
    parentExecutionId: z.string().nullable().describe('The run this one replays.'),
    createdAt: isoTimeSchema,
    finishedAt: isoTimeSchema.nullable(),
  })
  .meta({ id: 'ExecutionSummary', description: 'A run as lists show it.' });
export type ExecutionSummary = z.infer<typeof executionSummarySchema>;

/** A run with its steps: what `GET /api/executions/:id` answers. */
export const executionViewSchema = executionSummarySchema
  .extend({
    canvasId: z.string(),
    targetNodeId: z.string(),
    inputs: z.unknown().describe('The inputs the run was started with.'),
    output: z.unknown().describe('The Response Output node’s value once completed, else null.'),
    error: runErrorSchema.nullable(),
    waitingOn: z.array(waitpointSchema).nullable().describe('The jobs a `waiting` run waits on.'),
    fromStepId: z.string().nullable().describe('For a replay: the first step that was re-run.'),
    temporalWorkflowId: z.string(),
    startedAt: isoTimeSchema.nullable(),
    steps: z.array(stepViewSchema),
  })
  .meta({ id: 'ExecutionView', description: 'A run and its steps.' });
export type ExecutionView = z.infer<typeof executionViewSchema>;

/** 200 answer of `GET /api/executions/:id`. */
export const executionResponseSchema = z.object({ success: z.literal(true), execution: executionViewSchema });

/** Query of `GET /api/executions`. */
export const listQuerySchema = z.object({
  workflow: z.string().max(100).optional().describe('Only runs of this workflow slug.'),
  status: executionStatusSchema.optional(),
  trigger: triggerTypeSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(20),
});

/** 200 answer of `GET /api/executions`. */
export const executionListResponseSchema = z.object({
  success: z.literal(true),
  executions: z.array(executionSummarySchema).describe('Newest first.'),
});

/** 202 answer of `POST /api/executions/:id/cancel`. */
export const cancelResponseSchema = z.object({
  success: z.literal(true),
  executionId: z.string(),
  status: z.literal('cancelling').describe('The run settles `cancelled` shortly; watch it or poll it.'),
});

/** Body of `POST /api/executions/:id/replay`. */
export const replayBodySchema = z.object({
  fromStepId: z.string().min(1).max(128).optional().describe('Re-run this step and everything downstream; reuse earlier outputs.'),
});

/** 202 answer of `POST /api/executions/:id/replay`. */
export const replayResponseSchema = z.object({
  success: z.literal(true),
  executionId: z.string().describe('The new execution.'),
  parentExecutionId: z.string().describe('The execution it replays.'),
  fromStepId: z.string().nullable(),
  creditsUsed: z.number().int().describe('What the replay was charged (reused steps are not re-billed).'),
  statusUrl: z.string(),
  viewToken: z
    .string()
    .optional()
    .describe('Only when the replay was asked with an action view token: a token for the new run, with the same rights and no later expiry.'),
});

export type ExecutionResponse = z.infer<typeof executionResponseSchema>;
export type ExecutionListResponse = z.infer<typeof executionListResponseSchema>;
export type CancelResponse = z.infer<typeof cancelResponseSchema>;
export type ReplayResponse = z.infer<typeof replayResponseSchema>;

/** Path parameters of the routes of one execution. */
export const executionIdParamsSchema = z.object({ id: z.string().describe('The execution id.') });

/** `GET /api/executions`, declared once (mounted by src/api/executions/routes.ts). */
export const listExecutionsRoute = defineRoute({
  method: 'get',
  path: '/api/executions',
  summary: 'List your runs',
  tags: ['Executions'],
  auth: 'apiKeyOrViewToken',
  query: listQuerySchema,
  responses: {
    200: { description: 'Recent executions, newest first.', body: executionListResponseSchema, headers: RATE_LIMIT_HEADERS },
    400: errorResponse('INVALID_REQUEST.'),
    ...VIEW_TOKEN_ERRORS,
  },
});

/** `POST /api/executions/:id/replay`, declared once (mounted by src/api/executions/routes.ts). */
export const replayExecutionRoute = defineRoute({
  method: 'post',
  path: '/api/executions/:id/replay',
  summary: 'Replay a run in full or from a step',
  tags: ['Executions'],
  auth: 'apiKeyOrViewToken',
  params: executionIdParamsSchema,
  body: replayBodySchema,
  description: 'A new execution (trigger `replay`) linked to this one. From a step, the steps before it reuse their recorded outputs and are not re-run or re-billed.',
  responses: {
    202: { description: 'The replay was admitted.', body: replayResponseSchema, headers: RATE_LIMIT_HEADERS },
    400: errorResponse('INVALID_STEP (not in the plan) or INVALID_REQUEST.'),
    402: errorResponse('INSUFFICIENT_CREDITS or grant_exhausted.'),
    404: errorResponse('No such execution.'),
    409: errorResponse('STEP_OUTPUT_MISSING: an earlier step has no recorded output to reuse.'),
    422: errorResponse('INVALID_WORKFLOW: the recorded plan cannot be replayed.'),
    ...VIEW_TOKEN_ERRORS,
    403: errorResponse('MODEL_TIER_REQUIRED; with a view token VIEW_TOKEN_SCOPE, VIEW_TOKEN_READ_ONLY or CAPABILITY_DENIED.'),
  },
});

/** `GET /api/executions/:id`, declared once (mounted by src/api/executions/routes.ts). */
export const executionRoute = defineRoute({
  method: 'get', path: '/api/executions/:id', summary: 'A run and its steps', tags: ['Executions'], auth: 'apiKeyOrViewToken', params: executionIdParamsSchema,
  description: 'Status, output, credits used, duration, error, what a waiting run waits on, and each step’s status, attempts, output, error and every failed attempt’s error.',
  responses: {
    200: { description: 'The execution.', body: executionResponseSchema, headers: RATE_LIMIT_HEADERS },
    404: errorResponse('No such execution in your account.'),
    ...VIEW_TOKEN_ERRORS,
  },
});

/** `POST /api/executions/:id/cancel`, declared once (mounted by src/api/executions/routes.ts). */
export const cancelExecutionRoute = defineRoute({
  method: 'post', path: '/api/executions/:id/cancel', summary: 'Cancel a run', tags: ['Executions'], auth: 'apiKeyOrViewToken', params: executionIdParamsSchema,
  description: 'In-flight steps stop, pending steps are skipped, the run settles `cancelled` and its credits are refunded.',
  responses: {
    202: { description: 'Cancellation requested.', body: cancelResponseSchema, headers: RATE_LIMIT_HEADERS },
    404: errorResponse('No such execution.'),
    409: errorResponse('EXECUTION_FINISHED: the run already ended.'),
    ...VIEW_TOKEN_ERRORS,
  },
});
