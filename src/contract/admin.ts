// Request and response bodies of the admin API (Bearer ADMIN_TOKEN): accounts, API keys, grants, workflows.
import { z } from 'zod';
import { ID_PATTERN, isoTimeSchema, slugSchema } from './common';
import { defineRoute, errorResponse } from './routes';
import { tierSchema } from './statuses';

/** Capability strings: `workflow:run` or `workflow:<slug>:run`. */
export const CAPABILITY_PATTERN = /^workflow:(?:[a-z0-9-]+:)?run$/;

/** Body of `POST /admin/accounts`. */
export const createAccountSchema = z.object({
  id: z.string().min(1).max(64).regex(ID_PATTERN).optional(),
  name: z.string().min(1).max(200),
  tier: tierSchema.default('pro'),
  approved: z.boolean().default(true),
  creditBalance: z.number().int().nonnegative().default(0),
});

/** Body of `POST /admin/accounts/:id/api-keys`. */
export const createApiKeySchema = z.object({
  name: z.string().max(200).default(''),
  capabilities: z.array(z.string().regex(CAPABILITY_PATTERN, 'capabilities are workflow:run or workflow:<slug>:run')).min(1).default(['workflow:run']),
});

/** Body of `POST /admin/accounts/:id/workflows`. */
export const createWorkflowSchema = z.object({
  slug: slugSchema,
  name: z.string().min(1).max(200),
  canvasId: z.string().min(1).max(100).regex(ID_PATTERN).optional(),
  graph: z.unknown().describe('The canvas: `{ nodes: [...], edges: [...] }`.'),
});

/** Body of `PATCH /admin/workflows/:canvasId`: the slug never changes. */
export const updateWorkflowSchema = z.object({
  name: z.string().min(1).max(200).optional(),
  graph: z.unknown().optional(),
});

/** Body of `POST /admin/accounts/:id/grants`: adds trial credits for one model. */
export const createGrantSchema = z.object({
  model: z.string().min(1).max(100),
  credits: z.number().int().positive().max(1_000_000_000),
});

/** An account as the admin API shows it (with its webhook secret, which signs callbacks). */
export const accountSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    tier: tierSchema,
    approved: z.boolean(),
    creditBalance: z.number().int(),
    webhookSecret: z.string().describe('Signs result callbacks (X-Builder-Signature) and webhook URLs.'),
    createdAt: isoTimeSchema,
  })
  .meta({ id: 'Account' });

/** A workflow (canvas) as the admin API shows it. */
export const workflowSchema = z
  .object({
    id: z.string(),
    accountId: z.string(),
    slug: z.string(),
    name: z.string(),
    canvasId: z.string(),
    graph: z.unknown().describe('The canvas graph.'),
    createdAt: isoTimeSchema,
    updatedAt: isoTimeSchema,
  })
  .meta({ id: 'Workflow' });

/** 201 answer of `POST /admin/accounts`. */
export const accountResponseSchema = z.object({ success: z.literal(true), account: accountSchema });

/** An API key as the admin API shows it (never its secret or hash). */
export const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().describe('The first characters of the secret, to recognise it.'),
    capabilities: z.array(z.string()),
    active: z.boolean(),
  })
  .meta({ id: 'ApiKey' });

/** 201 answer of `POST /admin/accounts/:id/api-keys`. */
export const apiKeyCreatedSchema = z.object({
  success: z.literal(true),
  apiKey: apiKeySchema,
  secret: z.string().describe('The key itself: shown only in this answer.'),
  note: z.string(),
});

/** 201 answer of `POST /admin/accounts/:id/grants`. */
export const grantResponseSchema = z.object({
  success: z.literal(true),
  grant: z.object({ model: z.string(), creditsGranted: z.number().int(), creditsRemaining: z.number().int() }),
});

/** 200 answer of `POST /admin/api-keys/:id/revoke`. */
export const revokedResponseSchema = z.object({
  success: z.literal(true),
  apiKey: apiKeySchema.extend({ active: z.literal(false), revokedAt: isoTimeSchema }),
});

/** Answer of the workflow create and update routes. */
export const workflowResponseSchema = z.object({ success: z.literal(true), workflow: workflowSchema });

export type AccountResponse = z.infer<typeof accountResponseSchema>;
export type ApiKeyCreated = z.infer<typeof apiKeyCreatedSchema>;
export type RevokedResponse = z.infer<typeof revokedResponseSchema>;
export type GrantResponse = z.infer<typeof grantResponseSchema>;
export type WorkflowResponse = z.infer<typeof workflowResponseSchema>;

// The admin routes, declared once.
/** The errors every admin route can answer. */
const ADMIN_ERRORS = {
  401: errorResponse('UNAUTHORIZED: no admin token, or a wrong one (the message says which).'),
  403: errorResponse('ADMIN_DISABLED: ADMIN_TOKEN is not set.'),
};
/** `POST /admin/accounts`, declared once (mounted by src/api/admin/routes.ts). */
export const createAccountRoute = defineRoute({
  method: 'post', path: '/admin/accounts', summary: 'Create an account', tags: ['Admin'], auth: 'admin', body: createAccountSchema,
  responses: { 201: { description: 'The account.', body: accountResponseSchema }, 400: errorResponse('INVALID_REQUEST.'), 409: errorResponse('CONFLICT: the id exists.'), ...ADMIN_ERRORS },
});

/** `POST /admin/accounts/:id/api-keys`, declared once (mounted by src/api/admin/routes.ts). */
export const createApiKeyRoute = defineRoute({
  method: 'post', path: '/admin/accounts/:id/api-keys', summary: 'Create an API key (secret shown once)', tags: ['Admin'], auth: 'admin',
  body: createApiKeySchema,
  responses: { 201: { description: 'The key and its secret.', body: apiKeyCreatedSchema }, 400: errorResponse('INVALID_REQUEST.'), 404: errorResponse('No such account.'), ...ADMIN_ERRORS },
});

/** `POST /admin/accounts/:id/grants`, declared once (mounted by src/api/admin/routes.ts). */
export const createGrantRoute = defineRoute({
  method: 'post', path: '/admin/accounts/:id/grants', summary: 'Grant trial credits for one model', tags: ['Admin'], auth: 'admin',
  description: 'Runs using the model are paid from the grant first and report 0 creditsUsed. Granting again adds to the grant.',
  body: createGrantSchema,
  responses: { 201: { description: 'The grant.', body: grantResponseSchema }, 400: errorResponse('INVALID_REQUEST (e.g. unknown model).'), 404: errorResponse('No such account.'), ...ADMIN_ERRORS },
});

/** `POST /admin/api-keys/:id/revoke`, declared once (mounted by src/api/admin/routes.ts). */
export const revokeApiKeyRoute = defineRoute({
  method: 'post', path: '/admin/api-keys/:id/revoke', summary: 'Revoke an API key', tags: ['Admin'], auth: 'admin',
  responses: { 200: { description: 'Revoked.', body: revokedResponseSchema }, 404: errorResponse('No such key.'), ...ADMIN_ERRORS },
});

/** `POST /admin/accounts/:id/workflows`, declared once (mounted by src/api/admin/routes.ts). */
export const createWorkflowRoute = defineRoute({
  method: 'post', path: '/admin/accounts/:id/workflows', summary: 'Create a workflow (canvas)', tags: ['Admin'], auth: 'admin',
  body: createWorkflowSchema,
  description: 'The canvas is planned as it is saved: one its runs could not plan is refused with the 422 INVALID_WORKFLOW a run would get (naming the node, port or config field).',
  responses: { 201: { description: 'The workflow.', body: workflowResponseSchema }, 400: errorResponse('INVALID_REQUEST.'), 404: errorResponse('No such account.'), 409: errorResponse('CONFLICT: slug or canvas id taken.'), 422: errorResponse('INVALID_WORKFLOW: the canvas cannot be planned (unknown node type or port, cycle, missing input, invalid config…).'), ...ADMIN_ERRORS },
});

/** `PATCH /admin/workflows/:canvasId`, declared once (mounted by src/api/admin/routes.ts). */
export const updateWorkflowRoute = defineRoute({
  method: 'patch', path: '/admin/workflows/:canvasId', summary: 'Update a workflow’s name or graph (never its slug)', tags: ['Admin'], auth: 'admin',
  body: updateWorkflowSchema,
  description: 'A new graph is planned as it is saved, like on creation (422 INVALID_WORKFLOW).',
  responses: { 200: { description: 'The workflow.', body: workflowResponseSchema }, 400: errorResponse('INVALID_REQUEST.'), 404: errorResponse('No such workflow.'), 422: errorResponse('INVALID_WORKFLOW: the canvas cannot be planned.'), ...ADMIN_ERRORS },
});
