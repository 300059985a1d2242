// Responses shared by many route descriptions: errors (the contract's envelope) and the rate-limit headers.
import { errorBodySchema } from '../../contract/common';
import { MAX_JSON_DEPTH } from '../../domain/jsonDepth';
import type { ResponseSpec } from './registry';

/** An error response with `description`. */
export const errorResponse = (description: string, headers?: Record<string, string>): ResponseSpec => ({
  description,
  body: errorBodySchema,
  ...(headers ? { headers } : {}),
});

/** Headers on every rate-limited answer (not sent for Enterprise accounts, which are unlimited). */
export const RATE_LIMIT_HEADERS: Record<string, string> = {
  'X-RateLimit-Limit': 'Maximum requests allowed in the current window (per account, by tier).',
  'X-RateLimit-Remaining': 'Requests remaining in the current window.',
  'X-RateLimit-Reset': 'Unix epoch second when the window resets.',
};

/** The errors every x-api-key route can answer. */
export const API_KEY_ERRORS: Record<number, ResponseSpec> = {
  401: errorResponse('UNAUTHORIZED (missing or unknown key) or API_KEY_REVOKED.'),
  429: errorResponse('RATE_LIMIT_EXCEEDED: the per-minute limit of your tier is used up.', {
    ...RATE_LIMIT_HEADERS,
    'Retry-After': 'Seconds to wait before retrying.',
  }),
};

/** The errors of every route with a JSON request body (the body parser's). */
export const JSON_BODY_ERRORS: Record<number, ResponseSpec> = {
  400: errorResponse(`INVALID_JSON: the body is not valid JSON. INVALID_INPUTS: the body nests arrays or objects deeper than ${MAX_JSON_DEPTH} levels (the limit, named in the message).`),
  413: errorResponse('PAYLOAD_TOO_LARGE: the body is over the size limit.'),
  415: errorResponse('UNSUPPORTED_MEDIA_TYPE: send the body as application/json.'),
};

/** The errors of routes that also take a run viewer token. */
export const VIEW_TOKEN_ERRORS: Record<number, ResponseSpec> = {
  ...API_KEY_ERRORS,
  401: errorResponse('UNAUTHORIZED or API_KEY_REVOKED; with a view token VIEW_TOKEN_INVALID or VIEW_TOKEN_EXPIRED.'),
  403: errorResponse('With a view token: VIEW_TOKEN_SCOPE (the token is for another run, or lists need an account token), VIEW_TOKEN_READ_ONLY, CAPABILITY_DENIED or ACCOUNT_NOT_APPROVED.'),
};
