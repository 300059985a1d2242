// Request schemas of the admin API.
import { z } from 'zod';
import { CAPABILITY_PATTERN } from '../../services/apiKeys';
import { slugSchema } from '../workflows/schema';

/** Body of `POST /admin/accounts`. */
export const createAccountSchema = z.object({
  id: z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/).optional(),
  name: z.string().min(1).max(200),
  tier: z.enum(['pro', 'business', 'enterprise']).default('pro'),
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
  canvasId: z.string().min(1).max(100).regex(/^[A-Za-z0-9_-]+$/).optional(),
  graph: z.unknown(),
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
