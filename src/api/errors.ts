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
