// Parses a request part with a zod schema; a mismatch is a 400 listing every failing field.
import type { z } from 'zod';
import { HttpError } from '../errors';

/** Parses `value` with `schema` or throws 400 INVALID_REQUEST naming the failing fields. */
export function parseRequest<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw new HttpError(400, 'INVALID_REQUEST', 'The request is not valid.', {
    fields: result.error.issues.map((issue) => ({ field: issue.path.join('.') || '(body)', message: issue.message })),
  });
}
