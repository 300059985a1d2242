// Renders every error as the documented JSON shape. Unknown errors become a 500 without internals.
import { isDatabaseUnavailable } from '../../db/availability';
import type { AppMiddleware } from '../context';
import { HttpError, serviceUnavailable, toHttpError } from '../errors';

/** Logs unexpected errors; the client only sees a generic message and a request id. */
export type ErrorLogger = (err: unknown, context: { method: string; path: string; requestId: string }) => void;

/** The error-rendering middleware; mount it first. */
export function errorHandler(log: ErrorLogger): AppMiddleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new HttpError(404, 'NOT_FOUND', `No route for ${ctx.method} ${ctx.path}.`);
    } catch (err) {
      const requestId = ctx.state.requestId;
      const internal = () => {
        log(err, { method: ctx.method, path: ctx.path, requestId });
        return new HttpError(500, 'INTERNAL_ERROR', `Something went wrong on our side (request ${requestId}).`);
      };
      // A refusal (mapped to its status) or an HTTP error of our own is answered as it is.
      const httpError =
        toHttpError(err) ??
        // An outage or a saturated pool is the server's momentary state: say so and when to retry.
        (isDatabaseUnavailable(err) ? serviceUnavailable() : undefined) ??
        (isClientError(err) ? new HttpError(err.status, err.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'INVALID_REQUEST', err.message) : undefined) ??
        internal();
      ctx.status = httpError.status;
      ctx.set(httpError.headers);
      ctx.body = errorBody(httpError);
    }
  };
}

/** The documented JSON body of an error answer. */
export function errorBody(err: HttpError): { success: false; error: Record<string, unknown> } {
  return { success: false, error: { code: err.code, message: err.message, ...err.details } };
}

/** Errors raised by body parsing and similar with a 4xx status and a safe message. */
function isClientError(err: unknown): err is { status: number; message: string } {
  if (!err || typeof err !== 'object') return false;
  const { status, expose } = err as { status?: unknown; expose?: unknown };
  return typeof status === 'number' && status >= 400 && status < 500 && expose === true;
}
