// A small JSON body parser: size-capped, strict, with clear 400/413/415 errors.
import type { Middleware } from 'koa';
import { HttpError } from '../errors';

const MAX_BYTES = 1024 * 1024;

/** Parses `application/json` bodies into `ctx.request.body` (undefined when there is none). */
export function jsonBody(): Middleware {
  return async (ctx, next) => {
    if (ctx.method === 'GET' || ctx.method === 'HEAD' || ctx.method === 'DELETE') return next();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of ctx.req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BYTES) throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `Request bodies are limited to ${MAX_BYTES} bytes.`);
      chunks.push(chunk as Buffer);
    }
    const raw = Buffer.concat(chunks).toString('utf8');
    ctx.state.rawBody = raw;
    if (raw.trim() === '') {
      (ctx.request as { body?: unknown }).body = undefined;
      return next();
    }
    if (!ctx.is('application/json', '+json') && ctx.get('content-type') !== '') {
      throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the request body as application/json.');
    }
    try {
      (ctx.request as { body?: unknown }).body = JSON.parse(raw);
    } catch {
      throw new HttpError(400, 'INVALID_JSON', 'The request body is not valid JSON.');
    }
    return next();
  };
}
