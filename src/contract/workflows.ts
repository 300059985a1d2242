// Request and response bodies of the workflow routes: run, estimate, input schema, webhook URLs.
import { z } from 'zod';
import { idempotencyKeyHeaderSchema, maxCreditsSchema, slugSchema } from './common';
import { API_KEY_ERRORS, defineRoute, errorResponse, RATE_LIMIT_HEADERS } from './routes';
import { tierSchema, triggerTypeSchema } from './statuses';

/** Body of `POST /api/workflows/:slug/run`. `inputs` is checked against the Request Input fields. */
export const runBodySchema = z.object({
  inputs: z.record(z.string(), z.unknown()).describe('Key/value pairs matching the workflow’s Request Input fields.'),
  callbackUrl: z
    .string()
    .max(2048)
    .nullable()
    .optional()
    .describe('Optional public http(s) URL that receives the final result, signed with X-Builder-Signature: t=<unix>,v1=<hex HMAC-SHA256(account webhook secret, "<t>.<body>")>.'),
  maxCredits: maxCreditsSchema,
});

/** Query of `POST /api/workflows/:slug/run`. */
export const runQuerySchema = z.object({
  async: z.enum(['true', 'false']).optional().describe('`true`: answer 202 with an executionId at once instead of waiting for the result.'),
});

/** Path parameters of the workflow routes. */
export const slugParamsSchema = z.object({ slug: slugSchema.describe('The workflow’s URL slug.') });

/** 200 answer of a sync run. */
export const runResponseSchema = z.object({
  success: z.literal(true),
  executionId: z.string(),
  output: z.unknown().describe('The Response Output node’s value.'),
  creditsUsed: z.number().int().describe('Credits consumed; 0 when a trial grant paid for the run.'),
  durationMs: z.number().int().describe('From receiving the request to all nodes completing.'),
});

/** 202 answer of an async run. */
export const runAcceptedSchema = z.object({
  success: z.literal(true),
  executionId: z.string(),
  status: z.literal('planning'),
  statusUrl: z.string().describe('Poll this (GET) for the run and its steps.'),
});

/** The trigger types of MCP runs, which MCP's run route adds to its answers. */
const mcpTriggerSchema = z.object({ triggerType: triggerTypeSchema.extract(['mcp', 'user-mcp']) });

/** 200 answer of `POST /api/mcp/workflows/:slug/run` (sync). */
export const mcpRunResponseSchema = runResponseSchema.extend(mcpTriggerSchema.shape);
/** 202 answer of `POST /api/mcp/workflows/:slug/run` (async). */
export const mcpRunAcceptedSchema = runAcceptedSchema.extend(mcpTriggerSchema.shape);
/** Body of `POST /api/mcp/workflows/:slug/run`. */
export const mcpRunBodySchema = z.object({ inputs: z.record(z.string(), z.unknown()).describe('Values of the Request Input fields.') });
/** Query of `POST /api/mcp/workflows/:slug/run`. */
export const mcpRunQuerySchema = z.object({ async: z.enum(['true', 'false']).optional().describe('`true`: answer 202 at once.') });

/** 200 answer of `GET /api/workflows/:slug/schema`. */
export const workflowSchemaResponseSchema = z.object({
  success: z.literal(true),
  slug: z.string(),
  name: z.string(),
  fields: z.array(
    z.object({
      name: z.string(),
      type: z.enum(['string', 'number', 'integer', 'boolean', 'object', 'array']),
      required: z.boolean(),
      description: z.string().optional(),
      enum: z.array(z.unknown()).optional(),
      default: z.unknown().optional(),
    }),
  ),
  inputSchema: z.record(z.string(), z.unknown()).describe('A JSON Schema of `inputs`.'),
});

/**
 * Body of `POST /api/workflows/:slug/estimate`: the run body. `inputs` may be anything: a missing
 * or wrong one is one of the refusals the estimate reports (INVALID_INPUTS), not a reason not to price the run.
 */
export const estimateBodySchema = runBodySchema
  .extend({
    inputs: z
      .unknown()
      .optional()
      .describe('The run’s inputs, as for the run. Missing or invalid inputs are reported in `refusals` (INVALID_INPUTS with `fields`), as the run would refuse them.'),
  })
  .describe('The same body as the run; nothing runs.');

/** One refusal a run would get. */
export const refusalSchema = z
  .object({
    status: z.number().int().describe('The HTTP status the run would get.'),
    code: z.enum(['INVALID_INPUTS', 'MODEL_TIER_REQUIRED', 'INSUFFICIENT_CREDITS', 'grant_exhausted', 'BUDGET_EXCEEDED']),
    message: z.string(),
  })
  .catchall(z.unknown())
  .describe('A refusal the run would get, with the details the run route would send (`fields`, `model`, `required`, `balance`…).');

/** 200 answer of the estimate. */
export const estimateResponseSchema = z.object({
  success: z.literal(true),
  slug: z.string(),
  tier: tierSchema.describe('The account’s tier, whose prices apply.'),
  admissible: z.boolean().describe('True when the run would be admitted now (no refusals).'),
  creditsTotal: z.number().int().describe('Price of every billable step at the tier, with markup, before trial grants.'),
  creditsFromBalance: z.number().int().describe('What the run would take from the balance and report as creditsUsed (0 when grants pay it all).'),
  creditsFromGrants: z.number().int().describe('What trial grants would pay.'),
  creditBalance: z.number().int().describe('The account’s balance now.'),
  steps: z.array(
    z.object({
      stepId: z.string(),
      name: z.string().describe('The node’s name on the canvas.'),
      nodeType: z.string(),
      model: z.string().optional(),
      credits: z.number().int().describe('This step’s price (0 for steps without a model).'),
      fromGrant: z.number().int(),
      fromBalance: z.number().int(),
      paidBy: z.enum(['free', 'balance', 'grant', 'grant+balance']),
      cache: z
        .object({ hit: z.literal(true), executionId: z.string(), stepId: z.string() })
        .optional()
        .describe('A cached step (`config.cache`) the output cache answers for these inputs now: the run and step that paid. The run still holds the step’s price and releases it when the hit happens.'),
    }),
  ),
  refusals: z.array(refusalSchema).describe('Every refusal the run would get, in the order admission checks them; empty when admissible.'),
});
export type EstimateResponse = z.infer<typeof estimateResponseSchema>;
export type Refusal = z.infer<typeof refusalSchema>;

/** One input field of a workflow, as the workflow lists show it. */
const listedInputFieldSchema = z.object({
  name: z.string(),
  type: z.enum(['string', 'number', 'integer', 'boolean', 'object', 'array']),
  required: z.boolean(),
  description: z.string().optional(),
});

/** 200 answer of `GET /api/workflows` (and of MCP's `GET /api/mcp/workflows`): the workflows the key may run, with their inputs. */
export const workflowListResponseSchema = z.object({
  success: z.literal(true),
  workflows: z.array(
    z.object({
      slug: z.string(),
      name: z.string(),
      canvasId: z.string(),
      inputs: z.array(listedInputFieldSchema).optional().describe('The Request Input fields (absent when the canvas cannot be planned).'),
      invalid: z.object({ code: z.string(), message: z.string() }).optional().describe('Why the canvas cannot be planned (then no `inputs`).'),
      updatedAt: z.string().describe('ISO 8601 time of the last change.'),
    }),
  ),
});
/** MCP's list is the same answer. */
export const mcpWorkflowListResponseSchema = workflowListResponseSchema;

/** 202 answer of `POST /api/hooks/:token`. */
export const webhookAcceptedSchema = z.object({
  success: z.literal(true),
  executionId: z.string(),
  status: z.literal('planning'),
  statusUrl: z.string(),
});

/** 200 answer of `GET /api/workflows/:slug/webhooks`. */
export const webhookListResponseSchema = z.object({
  success: z.literal(true),
  slug: z.string(),
  webhooks: z.array(
    z.object({
      nodeId: z.string(),
      name: z.string(),
      url: z.string().describe('The full inbound URL (POST any body to it).'),
      path: z.string(),
      signed: z.boolean().describe('True when the node has a secret: senders must sign with X-Webhook-Timestamp and X-Webhook-Signature.'),
    }),
  ),
});

export type RunResponse = z.infer<typeof runResponseSchema>;
export type RunAccepted = z.infer<typeof runAcceptedSchema>;
export type WorkflowSchemaResponse = z.infer<typeof workflowSchemaResponseSchema>;
export type WorkflowListResponse = z.infer<typeof workflowListResponseSchema>;
export type McpWorkflowListResponse = WorkflowListResponse;
export type WebhookAccepted = z.infer<typeof webhookAcceptedSchema>;
export type WebhookListResponse = z.infer<typeof webhookListResponseSchema>;

/** 404 of the routes of one workflow. */
export const WORKFLOW_NOT_FOUND = errorResponse('No workflow exists with this slug, or it does not belong to your account (indistinguishable).');
/** 403 of the routes of one workflow. */
export const WORKFLOW_CAPABILITY_DENIED = errorResponse('CAPABILITY_DENIED: the key lacks workflow:run or workflow:<slug>:run; `required` names it. Or ACCOUNT_NOT_APPROVED.');

/** `GET /api/workflows`, declared once (mounted by src/api/workflows/routes.ts). */
export const listWorkflowsRoute = defineRoute({
  method: 'get',
  path: '/api/workflows',
  summary: 'List the workflows your key may run',
  description:
    'The account’s workflows this key may run (all of them with workflow:run, else those of its workflow:<slug>:run capabilities), by slug, ' +
    'each with its Request Input fields, or `invalid` saying why its canvas cannot be planned.',
  tags: ['Workflows'],
  auth: 'apiKey',
  responses: {
    200: { description: 'The workflows, by slug.', body: workflowListResponseSchema, headers: RATE_LIMIT_HEADERS },
    ...API_KEY_ERRORS,
  },
});

/** `GET /api/workflows/:slug/schema`, declared once (mounted by src/api/workflows/routes.ts). */
export const workflowSchemaRoute = defineRoute({
  method: 'get',
  path: '/api/workflows/:slug/schema',
  summary: 'A workflow’s input fields and their types',
  tags: ['Workflows'],
  auth: 'apiKey',
  params: slugParamsSchema,
  responses: {
    200: { description: 'The Request Input fields and a JSON Schema of `inputs`.', body: workflowSchemaResponseSchema, headers: RATE_LIMIT_HEADERS },
    403: WORKFLOW_CAPABILITY_DENIED,
    404: WORKFLOW_NOT_FOUND,
    422: errorResponse('INVALID_WORKFLOW: the canvas cannot be planned.'),
    ...API_KEY_ERRORS,
  },
});

/** `POST /api/workflows/:slug/run`, declared once (mounted by src/api/workflows/routes.ts). */
export const runWorkflowRoute = defineRoute({
  method: 'post',
  path: '/api/workflows/:slug/run',
  summary: 'Run a workflow',
  description:
    'Runs the subgraph feeding the Response Output node with `inputs`. Sync by default (200 with the output); `?async=true` answers 202 at once. ' +
    'Requires workflow:run or workflow:<slug>:run. With an `Idempotency-Key`, a repeat (same key and body) gets the first answer ' +
    '(header `Idempotent-Replayed: true`) instead of starting and paying for another run.',
  tags: ['Workflows'],
  auth: 'apiKey',
  params: slugParamsSchema,
  query: runQuerySchema,
  headers: z.object({
    'idempotency-key': idempotencyKeyHeaderSchema,
    'cache-control': z
      .string()
      .optional()
      .describe('`no-cache`: steps with an output cache (`config.cache`) do not read it; they call their provider and refresh the entry.'),
  }),
  body: runBodySchema,
  responses: {
    200: { description: 'The run completed.', body: runResponseSchema, headers: RATE_LIMIT_HEADERS },
    202: { description: 'Async: the run was admitted.', body: runAcceptedSchema, headers: RATE_LIMIT_HEADERS },
    400: errorResponse('INVALID_INPUTS (with `fields`), ASYNC_NOT_SUPPORTED, INVALID_CALLBACK_URL, INVALID_JSON, or INVALID_REQUEST (e.g. `?async=` other than `true`/`false`).'),
    402: errorResponse('INSUFFICIENT_CREDITS (with `required`, `balance`), grant_exhausted (with `model`), or BUDGET_EXCEEDED (with `estimate`, `maxCredits`: the run may cost more than the body’s `maxCredits`).'),
    403: errorResponse('CAPABILITY_DENIED (with `required`), MODEL_TIER_REQUIRED or ACCOUNT_NOT_APPROVED.'),
    404: WORKFLOW_NOT_FOUND,
    409: errorResponse('IDEMPOTENCY_IN_PROGRESS: the first request with this Idempotency-Key is still being admitted.'),
    422: errorResponse('INVALID_WORKFLOW: the canvas cannot be planned (cycle, dangling edge…), or IDEMPOTENCY_KEY_REUSED.'),
    500: errorResponse('EXECUTION_FAILED: a step failed; `error` names the step and cause.'),
    503: errorResponse('ENGINE_UNAVAILABLE: the run could not be handed to the engine.', { 'Retry-After': 'Seconds to wait.' }),
    ...API_KEY_ERRORS,
  },
});

/** `POST /api/workflows/:slug/estimate`: a run's cost and refusals, declared once (contract, validation, OpenAPI). */
export const estimateWorkflowRoute = defineRoute({
  method: 'post',
  path: '/api/workflows/:slug/estimate',
  summary: 'Estimate a run’s cost and refusals without running it',
  description:
    'Answers, for the run body given, the credits the run would cost at the account’s tier (per step and in total, trial grants applied) ' +
    'and every refusal a run would get (INVALID_INPUTS, MODEL_TIER_REQUIRED, INSUFFICIENT_CREDITS, grant_exhausted, BUDGET_EXCEEDED with the body’s `maxCredits`). Nothing runs and nothing is charged. ' +
    'Requires workflow:run or workflow:<slug>:run.',
  tags: ['Workflows'],
  auth: 'apiKey',
  params: slugParamsSchema,
  body: estimateBodySchema,
  responses: {
    200: { description: 'The estimate (also when the run would be refused: see `refusals`).', body: estimateResponseSchema, headers: RATE_LIMIT_HEADERS },
    400: errorResponse('INVALID_JSON: the body is not JSON; INVALID_INPUTS: the body is not an object; INVALID_REQUEST: a malformed `maxCredits` or `callbackUrl`.'),
    403: WORKFLOW_CAPABILITY_DENIED,
    404: WORKFLOW_NOT_FOUND,
    422: errorResponse('INVALID_WORKFLOW: the canvas cannot be planned, so it cannot be priced.'),
    ...API_KEY_ERRORS,
  },
});

/** `POST /api/mcp/workflows/:slug/run`: a run for an MCP agent (trigger `mcp` with the studio agent's token, else `user-mcp`). */
export const mcpRunWorkflowRoute = defineRoute({
  method: 'post',
  path: '/api/mcp/workflows/:slug/run',
  summary: 'Run a workflow as an MCP agent (trigger mcp / user-mcp)',
  tags: ['MCP'],
  auth: 'apiKey',
  params: slugParamsSchema,
  query: mcpRunQuerySchema,
  headers: z.object({
    'x-builder-agent-token': z.string().optional().describe('The studio agent’s server-side token: runs with it are `mcp`, without it `user-mcp`.'),
    'idempotency-key': idempotencyKeyHeaderSchema,
  }),
  body: mcpRunBodySchema,
  responses: {
    200: { description: 'Completed.', body: mcpRunResponseSchema, headers: RATE_LIMIT_HEADERS },
    202: { description: 'Admitted (async).', body: mcpRunAcceptedSchema, headers: RATE_LIMIT_HEADERS },
    400: errorResponse('INVALID_INPUTS, ASYNC_NOT_SUPPORTED, or INVALID_REQUEST (`?async=` other than `true`/`false`).'),
    402: errorResponse('INSUFFICIENT_CREDITS or grant_exhausted.'),
    403: errorResponse('CAPABILITY_DENIED or MODEL_TIER_REQUIRED.'),
    404: errorResponse('No such workflow.'),
    409: errorResponse('IDEMPOTENCY_IN_PROGRESS.'),
    422: errorResponse('INVALID_WORKFLOW or IDEMPOTENCY_KEY_REUSED.'),
    500: errorResponse('EXECUTION_FAILED: a step failed.'),
    503: errorResponse('ENGINE_UNAVAILABLE.', { 'Retry-After': 'Seconds to wait.' }),
    ...API_KEY_ERRORS,
  },
});
