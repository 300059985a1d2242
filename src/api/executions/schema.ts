// Request schemas of the execution routes.
import { z } from 'zod';

/** Body of `POST /api/executions/:id/replay`. */
export const replayBodySchema = z.object({
  fromStepId: z.string().min(1).max(128).optional().describe('Re-run this step and everything downstream; reuse earlier outputs.'),
});

/** Query of `GET /api/executions`. */
export const listQuerySchema = z.object({
  workflow: z.string().max(100).optional(),
  status: z.enum(['planning', 'running', 'waiting', 'completed', 'error', 'cancelled']).optional(),
  trigger: z.enum(['manual', 'api', 'webhook', 'mcp', 'user-mcp', 'replay']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(20),
});
