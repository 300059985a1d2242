// Responses shared by many route descriptions: the body parser's errors here (they name the JSON depth
// limit of src/domain); the error envelope, rate-limit headers and auth errors live in src/contract/routes.ts.
import { errorResponse } from '../../contract/routes';
import { MAX_JSON_DEPTH } from '../../domain/jsonDepth';
import type { ResponseSpec } from './registry';

export { API_KEY_ERRORS, errorResponse, RATE_LIMIT_HEADERS, VIEW_TOKEN_ERRORS } from '../../contract/routes';

/** The errors of every route with a JSON request body (the body parser's). */
export const JSON_BODY_ERRORS: Record<number, ResponseSpec> = {
  400: errorResponse(`INVALID_JSON: the body is not valid JSON. INVALID_INPUTS: the body nests arrays or objects deeper than ${MAX_JSON_DEPTH} levels (the limit, named in the message).`),
  413: errorResponse('PAYLOAD_TOO_LARGE: the body is over the size limit.'),
  415: errorResponse('UNSUPPORTED_MEDIA_TYPE: send the body as application/json.'),
};
