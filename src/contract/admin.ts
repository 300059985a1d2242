// Request and response bodies of the admin API (Bearer ADMIN_TOKEN): accounts, API keys, grants, workflows.
import { z } from 'zod';
import { ID_PATTERN, isoTimeSchema, slugSchema } from './common';
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
