// Schemas shared by many route descriptions: the error envelope and the rate-limit headers.
import { z } from 'zod';
import type { ResponseSpec } from './registry';

/** The body of every error answer. */
export const errorBodySchema = z
  .object({
    success: z.literal(false),
    error: z
      .object({ code: z.string().describe('Stable error code, e.g. INVALID_INPUTS'), message: z.string() })
      .catchall(z.unknown())
      .describe('The code, a readable message and code-specific details (`fields`, `required`, `balance`…).'),
  })
  .describe('The error envelope.');

/** An error response with `description`. */
export const errorResponse = (description: string, headers?: Record<string, string>): ResponseSpec => ({
  description,
  body: errorBodySchema,
  ...(headers ? { headers } : {}),
});

/** Headers on every rate-limited answer (not sent for Enterprise accounts, which are unlimited). */
export const RATE_LIMIT_HEADERS: Record<string, string> = {
  'X-RateLimit-Limit': 'Maximum requests allowed in the current window (per account, by tier).',
  'X-RateLimit-Remaining': 'Requests remaining in the current window.',
  'X-RateLimit-Reset': 'Unix epoch second when the window resets.',
};

/** The errors every x-api-key route can answer. */
export const API_KEY_ERRORS: Record<number, ResponseSpec> = {
  401: errorResponse('UNAUTHORIZED (missing or unknown key) or API_KEY_REVOKED.'),
  429: errorResponse('RATE_LIMIT_EXCEEDED: the per-minute limit of your tier is used up.', {
    ...RATE_LIMIT_HEADERS,
    'Retry-After': 'Seconds to wait before retrying.',
  }),
};
