// A small JSON body parser: size-capped, strict, with clear 400/413/415 errors.
import type { Context } from 'koa';
import type { AppMiddleware } from '../context';
import { MAX_JSON_DEPTH, nestsDeeperThan, tooDeepMessage } from '../../domain/jsonDepth';
import { HttpError, invalidInputs } from '../errors';
import { assertStorableBody } from './storableText';

declare module 'koa' {
  interface Request {
    /** The parsed JSON body, set by {@link jsonBody} (undefined when there is none): parse it with a schema before use. */
    body?: unknown;
  }
}

const MAX_BYTES = 1024 * 1024;

/** Reads the raw request body as UTF-8, refusing more than `maxBytes` with 413 PAYLOAD_TOO_LARGE. */
export async function readBody(ctx: Context, maxBytes: number, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `${what} are limited to ${maxBytes} bytes.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Throws 400 INVALID_INPUTS naming the limit when a parsed JSON body nests deeper than
 * {@link MAX_JSON_DEPTH}: checked before anything walks the value, on every route that takes JSON.
 */
export function assertNestingWithinLimit(parsed: unknown): void {
  if (nestsDeeperThan(parsed, MAX_JSON_DEPTH)) {
    throw invalidInputs(tooDeepMessage(MAX_JSON_DEPTH), [{ field: '(body)', message: `nests deeper than ${MAX_JSON_DEPTH} levels` }]);
  }
}

/** Parses `application/json` bodies into `ctx.request.body` (undefined when there is none). */
export function jsonBody(): AppMiddleware {
  return async (ctx, next) => {
    if (ctx.method === 'GET' || ctx.method === 'HEAD' || ctx.method === 'DELETE') return next();
    const raw = await readBody(ctx, MAX_BYTES, 'Request bodies');
    ctx.state.rawBody = raw;
    if (raw.trim() === '') {
      ctx.request.body = undefined;
      return next();
    }
    if (!ctx.is('application/json', '+json') && ctx.get('content-type') !== '') {
      throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the request body as application/json.');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new HttpError(400, 'INVALID_JSON', 'The request body is not valid JSON.');
    }
    assertNestingWithinLimit(parsed);
    assertStorableBody(parsed);
    ctx.request.body = parsed;
    return next();
  };
}
