// Pieces every part of the public contract shares: the error envelope and identifier formats.
import { z } from 'zod';

/** The body of every error answer. */
export const errorBodySchema = z
  .object({
    success: z.literal(false),
    error: z
      .object({ code: z.string().describe('Stable error code, e.g. INVALID_INPUTS'), message: z.string() })
      .catchall(z.unknown())
      .describe('The code, a readable message and code-specific details (`fields`, `required`, `balance`…).'),
  })
  .meta({ id: 'ErrorBody', description: 'The error envelope.' });
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** Ids a client may choose (canvas ids, execution ids, account ids). */
export const ID_PATTERN = /^[A-Za-z0-9_-]+$/;

/** A workflow slug: lowercase letters, digits and single hyphens. */
export const slugSchema = z.string().min(1).max(100).regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);

/** An ISO 8601 time, as every time in the API is written. */
export const isoTimeSchema = z.string().describe('ISO 8601 time.');

/** Any JSON value (outputs, inputs, errors recorded by steps). */
export const jsonValueSchema = z.unknown();

/** The `Idempotency-Key` request header as every run route documents it. */
/** A run's optional budget (`maxCredits` of the run bodies and the estimate). */
export const maxCreditsSchema = z
  .number()
  .int()
  .min(0)
  .max(1_000_000_000)
  .optional()
  .describe('Optional budget: a run whose estimate (each step at its maximum, before trial grants) exceeds it is refused with 402 BUDGET_EXCEEDED (`estimate`, `maxCredits`).');

export const idempotencyKeyHeaderSchema = z
  .string()
  .min(1)
  .max(255)
  .optional()
  .describe('A stable key (scope: your account, kept 24 h): repeats, also concurrent ones, get the first answer instead of starting another run.');
