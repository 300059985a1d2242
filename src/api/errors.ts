// HTTP errors. Services refuse with domain Refusals (src/domain/refusals.ts), which this module
// maps to their status and headers in one exhaustive switch; the API's own errors (authentication,
// parsing, rate limits…) are HttpErrors. Both are rendered as
// `{ success: false, error: { code, message, ...details } }` by one middleware (errorHandler.ts).
import { Refusal, type RefusalCode } from '../domain/refusals';
import { assertNever } from '../domain/statuses';

// The refusal factories, for routes that refuse the way the services do (e.g. a 404 of their own).
export {
  asyncNotSupported,
  engineUnavailable,
  executionExists,
  grantExhausted,
  idempotencyInProgress,
  idempotencyKeyReused,
  insufficientCredits,
  invalidInputs,
  invalidWorkflow,
  modelTierRequired,
  notFound,
} from '../domain/refusals';

/** Thrown when a request cannot be served; carries the HTTP status, the error code and details. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** 400 INVALID_REQUEST: the request (not its inputs) is malformed. */
export const invalidRequest = (message: string, details: Record<string, unknown> = {}) =>
  new HttpError(400, 'INVALID_REQUEST', message, details);

/** 401 UNAUTHORIZED: no API key, or one we do not know. */
export const unauthorized = (message: string) => new HttpError(401, 'UNAUTHORIZED', message);

/** 401 API_KEY_REVOKED: the key was revoked. */
export const keyRevoked = () => new HttpError(401, 'API_KEY_REVOKED', 'This API key has been revoked.');

/** 403 ACCOUNT_NOT_APPROVED: the account is not approved yet. */
export const accountNotApproved = () =>
  new HttpError(403, 'ACCOUNT_NOT_APPROVED', 'Your account must be approved before you can run workflows through the API.');

/** 403 CAPABILITY_DENIED: the key lacks the capability; `required` names it. */
export const capabilityDenied = (slug: string) =>
  new HttpError(403, 'CAPABILITY_DENIED', `This API key lacks workflow:run (or workflow:${slug}:run).`, {
    required: `workflow:${slug}:run`,
    accepted: ['workflow:run', `workflow:${slug}:run`],
  });

/** 410 GONE: a retired endpoint. */
export const gone = (message: string) => new HttpError(410, 'GONE', message);

/** 500 EXECUTION_FAILED: a step of the run failed; `error` names the step and cause. */
export const executionFailed = (executionId: string, error: unknown, message: string) =>
  new HttpError(500, 'EXECUTION_FAILED', message, { executionId, error });

/**
 * 503 SERVICE_UNAVAILABLE: the database is unreachable, or every connection is busy (a burst):
 * nothing was done, retry after `Retry-After` seconds. The request does not count against the rate limit.
 */
export const serviceUnavailable = (message = 'The service is briefly unavailable (its database cannot be reached or is saturated); retry shortly.') =>
  new HttpError(503, 'SERVICE_UNAVAILABLE', message, { retryAfter: SERVICE_RETRY_AFTER_S }, { 'Retry-After': String(SERVICE_RETRY_AFTER_S) });

/** Seconds a client should wait after a 503 SERVICE_UNAVAILABLE. */
export const SERVICE_RETRY_AFTER_S = 2;

/** 429 RATE_LIMIT_EXCEEDED: the account's per-minute limit is used up; `Retry-After` says how long to wait. */
export const rateLimitExceeded = (limit: number, retryAfter: number) =>
  new HttpError(429, 'RATE_LIMIT_EXCEEDED', `You have exceeded the limit of ${limit} requests per minute for your tier.`, { limit, retryAfter }, {
    'Retry-After': String(retryAfter),
  });

/** 400 INVALID_TRIGGER_TYPE: `/api/execute/start` accepts only `X-Trigger-Type: manual`. */
export const invalidTriggerType = (given: string) =>
  new HttpError(400, 'INVALID_TRIGGER_TYPE', `X-Trigger-Type must be "manual" on this endpoint${given ? ` (got "${given.slice(0, 50)}")` : ''}.`, {
    accepted: ['manual'],
  });

/** 400 INVALID_CALLBACK_URL: the callback URL is malformed or points at a loopback/private address. */
export const invalidCallbackUrl = (message: string) => new HttpError(400, 'INVALID_CALLBACK_URL', message, { field: 'callbackUrl' });

/** The HTTP status and headers of a refusal. */
export interface RefusalHttp {
  status: number;
  headers?: Record<string, string>;
}

/** How each refusal is answered over HTTP: the one place a refusal code meets a status. */
export function refusalHttp(code: RefusalCode): RefusalHttp {
  switch (code) {
    case 'INVALID_INPUTS':
    case 'ASYNC_NOT_SUPPORTED':
    case 'INVALID_STEP':
      return { status: 400 };
    case 'INSUFFICIENT_CREDITS':
    case 'grant_exhausted':
    case 'BUDGET_EXCEEDED':
      return { status: 402 };
    case 'MODEL_TIER_REQUIRED':
      return { status: 403 };
    case 'NOT_FOUND':
      return { status: 404 };
    case 'STEP_OUTPUT_MISSING':
    case 'EXECUTION_EXISTS':
      return { status: 409 };
    case 'IDEMPOTENCY_IN_PROGRESS':
      return { status: 409, headers: { 'Retry-After': '1' } };
    case 'INVALID_WORKFLOW':
    case 'IDEMPOTENCY_KEY_REUSED':
      return { status: 422 };
    case 'ENGINE_UNAVAILABLE':
      return { status: 503, headers: { 'Retry-After': '5' } };
    default:
      // Unreachable while the cases name every code: the compiler and the lint rule check it.
      return assertNever(code);
  }
}

/** The HttpError answering `err`: itself, a Refusal mapped to its status, or undefined for anything else. */
export function toHttpError(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  if (err instanceof Refusal) {
    const { status, headers } = refusalHttp(err.code);
    return new HttpError(status, err.code, err.message, err.details, headers);
  }
  return undefined;
}

/** The error code a client would see for `err`, or undefined when it is not a refusal or HTTP error. */
export function errorCodeOf(err: unknown): string | undefined {
  return err instanceof HttpError || err instanceof Refusal ? err.code : undefined;
}

/** A refusal as the estimate lists it: the answer a run would get, status included. */
export function refusalView(refusal: Refusal): { status: number; code: RefusalCode; message: string; [detail: string]: unknown } {
  return { status: refusalHttp(refusal.code).status, code: refusal.code, message: refusal.message, ...refusal.details };
}
