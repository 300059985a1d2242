import assert from 'node:assert/strict';
import { errorCodeOf, HttpError, refusalHttp, refusalView, toHttpError } from '../../../src/api/errors';
import { errorBody } from '../../../src/api/middleware/errorHandler';
import {
  engineUnavailable,
  idempotencyInProgress,
  insufficientCredits,
  invalidInputs,
  Refusal,
  REFUSAL_CODES,
  type RefusalCode,
} from '../../../src/domain/refusals';

describe('refusals over HTTP', () => {
  it('maps every refusal code to a 4xx or 5xx status', () => {
    for (const code of REFUSAL_CODES) {
      const { status } = refusalHttp(code);
      assert.ok(status >= 400 && status < 600, `${code} → ${status}`);
    }
  });

  it('answers the seed’s codes with the seed’s statuses', () => {
    const seed: Partial<Record<RefusalCode, number>> = {
      INVALID_INPUTS: 400,
      ASYNC_NOT_SUPPORTED: 400,
      INSUFFICIENT_CREDITS: 402,
      grant_exhausted: 402,
      MODEL_TIER_REQUIRED: 403,
      NOT_FOUND: 404,
    };
    for (const [code, status] of Object.entries(seed)) assert.equal(refusalHttp(code as RefusalCode).status, status, code);
  });

  it('answers the other refusals with the statuses the API documents', () => {
    assert.deepEqual(
      Object.fromEntries(REFUSAL_CODES.map((code) => [code, refusalHttp(code).status])),
      {
        INVALID_INPUTS: 400,
        ASYNC_NOT_SUPPORTED: 400,
        INSUFFICIENT_CREDITS: 402,
        BUDGET_EXCEEDED: 402,
        grant_exhausted: 402,
        MODEL_TIER_REQUIRED: 403,
        NOT_FOUND: 404,
        INVALID_WORKFLOW: 422,
        INVALID_STEP: 400,
        STEP_OUTPUT_MISSING: 409,
        EXECUTION_EXISTS: 409,
        IDEMPOTENCY_KEY_REUSED: 422,
        IDEMPOTENCY_IN_PROGRESS: 409,
        ENGINE_UNAVAILABLE: 503,
      },
    );
  });

  it('tells the client when to retry a refusal that goes away by itself', () => {
    assert.deepEqual(toHttpError(idempotencyInProgress())?.headers, { 'Retry-After': '1' });
    assert.deepEqual(toHttpError(engineUnavailable('The run could not be started.'))?.headers, { 'Retry-After': '5' });
    assert.deepEqual(toHttpError(insufficientCredits(5, 1))?.headers, {});
  });

  it('throws for a code outside the union instead of answering with a guessed status', () => {
    assert.throws(() => refusalHttp('NOT_A_CODE' as RefusalCode), /Unexpected value/);
  });

  it('renders a refusal as the documented error body: code, message and details', () => {
    const refusal = invalidInputs('Input "topic" is required.', [{ field: 'topic', message: 'is required' }]);
    const http = toHttpError(refusal);
    assert.ok(http instanceof HttpError);
    assert.equal(http.status, 400);
    assert.deepEqual(errorBody(http), {
      success: false,
      error: { code: 'INVALID_INPUTS', message: 'Input "topic" is required.', fields: [{ field: 'topic', message: 'is required' }] },
    });
  });

  it('lists a refusal in an estimate with the status the run would get', () => {
    assert.deepEqual(refusalView(insufficientCredits(5, 1)), {
      status: 402,
      code: 'INSUFFICIENT_CREDITS',
      message: 'This run needs 5 credits; your balance is 1.',
      required: 5,
      balance: 1,
    });
  });

  it('leaves errors that are neither refusals nor HTTP errors to the error handler', () => {
    assert.equal(toHttpError(new Error('boom')), undefined);
    assert.equal(errorCodeOf(new Error('boom')), undefined);
    assert.equal(errorCodeOf(new Refusal('NOT_FOUND', 'Execution "x" was not found.')), 'NOT_FOUND');
    assert.equal(errorCodeOf(new HttpError(401, 'UNAUTHORIZED', 'no key')), 'UNAUTHORIZED');
  });
});
