// Parses a request's parts with zod schemas; a mismatch is a 400 listing every failing field.
import type { Middleware } from 'koa';
import type { z } from 'zod';
import { HttpError } from '../errors';

/** Parses `value` with `schema` or throws 400 INVALID_REQUEST naming the failing fields. */
export function parseRequest<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => ({ field: issue.path.join('.') || '(body)', message: issueMessage(issue) }));
  throw new HttpError(400, 'INVALID_REQUEST', `The request is not valid: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}.`, { fields });
}

/** A person's wording of a zod issue: the allowed values of an enum, the range of a number, never zod's internals. */
function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
  if (issue.code === 'invalid_type') return issue.expected === 'int' ? 'must be a whole number' : `must be ${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`;
  if (issue.code === 'too_small' && typeof issue.minimum !== 'object') return `must be at least ${String(issue.minimum)}`;
  if (issue.code === 'too_big' && typeof issue.maximum !== 'object') return `must be at most ${String(issue.maximum)}`;
  return issue.message.charAt(0).toLowerCase() + issue.message.slice(1);
}

/** The schemas of a route's request parts. */
export interface RequestSchemas {
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
}

/** The parsed request parts, typed by their schemas: `ctx.state.input` after {@link validate}. */
export type ValidatedInput<S extends RequestSchemas> = { [K in keyof S]: S[K] extends z.ZodType ? z.infer<S[K]> : never };

/**
 * Parses the route's path parameters, query and JSON body (in that order) and puts the typed
 * values on `ctx.state.input`; the first part that does not match is a 400 INVALID_REQUEST.
 */
export function validate<S extends RequestSchemas>(schemas: S): Middleware<{ input: ValidatedInput<S> }, { params: Record<string, string> }> {
  return async (ctx, next) => {
    const input: Partial<Record<keyof RequestSchemas, unknown>> = {};
    if (schemas.params) input.params = parseRequest(schemas.params, ctx.params);
    if (schemas.query) input.query = parseRequest(schemas.query, ctx.query);
    if (schemas.body) input.body = parseRequest(schemas.body, ctx.request.body);
    // Each present part was parsed by its own schema just above.
    ctx.state.input = input as ValidatedInput<S>;
    await next();
  };
}
