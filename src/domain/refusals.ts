// Refusals: the reasons a run or replay request is turned down by the services (admission, the
// estimate, replay, idempotency). They carry the seed's code, a message a user can act on and the
// documented details, and nothing about HTTP: the API maps each code to its status and headers in
// one exhaustive switch (src/api/errors.ts).

/** Every refusal code the services raise, spelled as the seed's error table spells it. */
export const REFUSAL_CODES = [
  'INVALID_INPUTS',
  'ASYNC_NOT_SUPPORTED',
  'INSUFFICIENT_CREDITS',
  'grant_exhausted',
  'BUDGET_EXCEEDED',
  'MODEL_TIER_REQUIRED',
  'NOT_FOUND',
  'INVALID_WORKFLOW',
  'INVALID_STEP',
  'STEP_OUTPUT_MISSING',
  'EXECUTION_EXISTS',
  'IDEMPOTENCY_KEY_REUSED',
  'IDEMPOTENCY_IN_PROGRESS',
  'ENGINE_UNAVAILABLE',
] as const;

/** A refusal code: a closed union, so the API's mapping to HTTP is checked for exhaustiveness. */
export type RefusalCode = (typeof REFUSAL_CODES)[number];

/** Thrown when a request is refused for a reason its caller can act on; nothing was done. */
export class Refusal extends Error {
  override readonly name = 'Refusal';
  constructor(
    readonly code: RefusalCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** INVALID_INPUTS: the inputs are missing, not an object, or fail validation. */
export const invalidInputs = (message: string, fields: Array<{ field: string; message: string }>) => new Refusal('INVALID_INPUTS', message, { fields });

/** ASYNC_NOT_SUPPORTED: an async run with a provider that cannot be polled. */
export const asyncNotSupported = (message: string, details: Record<string, unknown>) => new Refusal('ASYNC_NOT_SUPPORTED', message, details);

/** MODEL_TIER_REQUIRED: a model needs a higher plan tier. */
export const modelTierRequired = (model: string, requiredTier: string, tier: string) =>
  new Refusal('MODEL_TIER_REQUIRED', `Model "${model}" requires the ${requiredTier} tier; your account is on ${tier}.`, { model, requiredTier, tier });

/** INSUFFICIENT_CREDITS: the balance cannot cover the planned billable steps. */
export const insufficientCredits = (required: number, balance: number) =>
  new Refusal('INSUFFICIENT_CREDITS', `This run needs ${required} credits; your balance is ${balance}.`, { required, balance });

/** grant_exhausted: the trial grant for a model of the run is used up and the balance cannot pay instead. */
export const grantExhausted = (model: string, required: number, balance: number) =>
  new Refusal('grant_exhausted', `Your trial grant for model "${model}" has been used up. Upgrade your plan to continue.`, { model, required, balance });

/** BUDGET_EXCEEDED: the run's estimate (each step at its maximum) is above the `maxCredits` the request set. */
export const budgetExceeded = (estimate: number, maxCredits: number) =>
  new Refusal('BUDGET_EXCEEDED', `This run may cost up to ${estimate} credits, more than its maxCredits of ${maxCredits}.`, { estimate, maxCredits });

/** NOT_FOUND: no such resource for this account (indistinguishable from another account's). */
export const notFound = (what: string) => new Refusal('NOT_FOUND', `${what} was not found.`);

/** INVALID_WORKFLOW: the canvas cannot be planned (cycle, dangling edge, missing input…); `reason` is the planner's code. */
export const invalidWorkflow = (reason: string, message: string, details: Record<string, unknown>) => new Refusal('INVALID_WORKFLOW', message, { reason, ...details });

/** INVALID_STEP: a replay names a step that is not in the recorded plan. */
export const invalidStep = (message: string, details: { fromStepId: string; steps: string[] }) => new Refusal('INVALID_STEP', message, details);

/** STEP_OUTPUT_MISSING: a from-step replay would reuse a step that has no recorded output. */
export const stepOutputMissing = (message: string, details: { stepId: string; status: string }) => new Refusal('STEP_OUTPUT_MISSING', message, details);

/** EXECUTION_EXISTS: a client-chosen execution id is already taken. */
export const executionExists = (executionId: string) => new Refusal('EXECUTION_EXISTS', `An execution with id "${executionId}" already exists.`, { executionId });

/** IDEMPOTENCY_KEY_REUSED: the Idempotency-Key was first used with a different request body. */
export const idempotencyKeyReused = () => new Refusal('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request; use a new key.');

/** IDEMPOTENCY_IN_PROGRESS: the first request with this key is still being answered; retry shortly. */
export const idempotencyInProgress = () => new Refusal('IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is still in progress; retry shortly.');

/** ENGINE_UNAVAILABLE: the run could not be handed to the engine; it was settled and refunded. */
export const engineUnavailable = (message: string) => new Refusal('ENGINE_UNAVAILABLE', message);
