// HTTP errors with the seed's codes and statuses. Thrown anywhere in a request; rendered as
// `{ success: false, error: { code, message, ...details } }` by one middleware (errorHandler.ts).

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

/** 400 INVALID_INPUTS: the inputs are missing, not an object, or fail validation. */
export const invalidInputs = (message: string, fields: Array<{ field: string; message: string }>) =>
  new HttpError(400, 'INVALID_INPUTS', message, { fields });

/** 400 INVALID_REQUEST: the request (not its inputs) is malformed. */
export const invalidRequest = (message: string, details: Record<string, unknown> = {}) =>
  new HttpError(400, 'INVALID_REQUEST', message, details);

/** 400 ASYNC_NOT_SUPPORTED: `?async=true` with a provider that cannot be polled. */
export const asyncNotSupported = (message: string, details: Record<string, unknown>) =>
  new HttpError(400, 'ASYNC_NOT_SUPPORTED', message, details);

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

/** 403 MODEL_TIER_REQUIRED: a model needs a higher plan tier. */
export const modelTierRequired = (model: string, requiredTier: string, tier: string) =>
  new HttpError(403, 'MODEL_TIER_REQUIRED', `Model "${model}" requires the ${requiredTier} tier; your account is on ${tier}.`, {
    model,
    requiredTier,
    tier,
  });

/** 402 INSUFFICIENT_CREDITS: the balance cannot cover the planned billable steps. */
export const insufficientCredits = (required: number, balance: number) =>
  new HttpError(402, 'INSUFFICIENT_CREDITS', `This run needs ${required} credits; your balance is ${balance}.`, { required, balance });

/** 404 NOT_FOUND: no such resource for this account (indistinguishable from another account's). */
export const notFound = (what: string) => new HttpError(404, 'NOT_FOUND', `${what} was not found.`);

/** 410 GONE: a retired endpoint. */
export const gone = (message: string) => new HttpError(410, 'GONE', message);

/** 422 INVALID_WORKFLOW: the canvas cannot be planned (cycle, dangling edge, missing input…). */
export const invalidWorkflow = (code: string, message: string, details: Record<string, unknown>) =>
  new HttpError(422, 'INVALID_WORKFLOW', message, { reason: code, ...details });

/** 500 EXECUTION_FAILED: a step of the run failed; `error` names the step and cause. */
export const executionFailed = (executionId: string, error: unknown, message: string) =>
  new HttpError(500, 'EXECUTION_FAILED', message, { executionId, error });

/** 503 ENGINE_UNAVAILABLE: the run could not be handed to Temporal. */
export const engineUnavailable = (message: string) => new HttpError(503, 'ENGINE_UNAVAILABLE', message, {}, { 'Retry-After': '5' });

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

/** 402 grant_exhausted: the trial grant for a model of the run is used up and the balance cannot pay instead. */
export const grantExhausted = (model: string, required: number, balance: number) =>
  new HttpError(402, 'grant_exhausted', `Your trial grant for model "${model}" has been used up. Upgrade your plan to continue.`, {
    model,
    required,
    balance,
  });

/** 400 INVALID_TRIGGER_TYPE: `/api/execute/start` accepts only `X-Trigger-Type: manual`. */
export const invalidTriggerType = (given: string) =>
  new HttpError(400, 'INVALID_TRIGGER_TYPE', `X-Trigger-Type must be "manual" on this endpoint${given ? ` (got "${given.slice(0, 50)}")` : ''}.`, {
    accepted: ['manual'],
  });

/** 400 INVALID_CALLBACK_URL: the callback URL is malformed or points at a loopback/private address. */
export const invalidCallbackUrl = (message: string) => new HttpError(400, 'INVALID_CALLBACK_URL', message, { field: 'callbackUrl' });

/** 409 EXECUTION_EXISTS: a client-chosen execution id is already taken. */
export const executionExists = (executionId: string) =>
  new HttpError(409, 'EXECUTION_EXISTS', `An execution with id "${executionId}" already exists.`, { executionId });

/** 422 IDEMPOTENCY_KEY_REUSED: the Idempotency-Key was first used with a different request body. */
export const idempotencyKeyReused = () =>
  new HttpError(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request; use a new key.');

/** 409 IDEMPOTENCY_IN_PROGRESS: the first request with this key is still being answered; retry shortly. */
export const idempotencyInProgress = () =>
  new HttpError(409, 'IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is still in progress; retry shortly.', {}, { 'Retry-After': '1' });
