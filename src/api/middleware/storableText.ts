// Refuses text Postgres cannot store (NUL characters, lone UTF-16 surrogates) at the edge of the API,
// so it never reaches a query: a path holding one names nothing (404), a query or body holding one is
// a bad request (400; INVALID_INPUTS when it sits inside `inputs`).
import type { Middleware } from 'koa';
import { findUnstorableText } from '../../domain/storableText';
import { invalidInputs, invalidRequest, notFound } from '../errors';

/** A percent-encoded NUL, or the UTF-8 (CESU) bytes of a lone surrogate (ED A0..BF xx). */
const ENCODED_UNSTORABLE = /%00|%ED%[AB][0-9A-F]%[89AB][0-9A-F]/i;

/** Checks the path and query string; mount before the routers. */
export function refuseUnstorablePathAndQuery(): Middleware {
  return async (ctx, next) => {
    // No id, slug or token of ours contains such a character, so the resource cannot exist.
    if (ENCODED_UNSTORABLE.test(ctx.path)) throw notFound(`The resource at ${ctx.method} ${ctx.path.slice(0, 100)}`);
    if (ENCODED_UNSTORABLE.test(ctx.querystring) || findUnstorableText(ctx.query)) {
      throw invalidRequest('The query string contains a NUL character or invalid Unicode.', { fields: [{ field: '(query)', message: 'contains a NUL character or invalid Unicode' }] });
    }
    return next();
  };
}

/** Throws 400 when a parsed JSON body holds unstorable text: INVALID_INPUTS inside `inputs`, else INVALID_REQUEST. */
export function assertStorableBody(body: unknown): void {
  const found = findUnstorableText(body);
  if (!found) return;
  const field = found.path.join('.') || '(body)';
  const fields = [{ field, message: found.reason }];
  if (found.path[0] === 'inputs') {
    // Named as every other INVALID_INPUTS names an input: by its field name (`topic`), not its place in the body.
    const input = found.path.slice(1).join('.') || 'inputs';
    throw invalidInputs(`Input "${input}" ${found.reason}.`, [{ field: input, message: found.reason }]);
  }
  throw invalidRequest(`Field "${field}" ${found.reason}.`, { fields });
}
