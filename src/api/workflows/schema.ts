// Request schemas of the workflow routes.
import { z } from 'zod';

/** Path parameter: a workflow slug. */
export const slugSchema = z.string().min(1).max(100).regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);

/** Body of `POST /api/workflows/:slug/run`. `inputs` is checked against the Request Input fields. */
export const runBodySchema = z.object({
  inputs: z.unknown().describe('Key/value pairs matching the workflow’s Request Input fields.'),
});

/** Query of `POST /api/workflows/:slug/run`. */
export const runQuerySchema = z.object({
  async: z.enum(['true', 'false']).optional(),
});
