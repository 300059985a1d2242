// Retryability is decided in one table (src/domain/retryability.ts): provider errors, the activities'
// failure conversion and the plan's retry policies follow it, and the lists kept in files owned by the
// workflow code (the callback retry policy) agree with it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { NON_RETRYABLE_CALLBACK_FAILURES } from '../../../src/activities/callbacks';
import { toFailure } from '../../../src/activities/stepAttempt';
import { planRun } from '../../../src/domain/planner';
import { FAILURE_TYPES, isRetryable, nonRetryableFailureTypes } from '../../../src/domain/retryability';
import { MediaDownloadFailed, MediaNotFound, MediaTooLarge } from '../../../src/media/errors';
import { PrivateNetworkRefused } from '../../../src/net/guardedFetch';
import { projectPath } from '../../../src/paths';
import { ProviderError, type ProviderErrorType } from '../../../src/providers/errors';
import { linearGraph } from './builders';

/** The string lists given as `nonRetryableErrorTypes` in a source file. */
function nonRetryableListsIn(file: string): string[][] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const lists: string[][] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isPropertyAssignment(n) && n.name.getText() === 'nonRetryableErrorTypes' && ts.isArrayLiteralExpression(n.initializer)) {
      lists.push(n.initializer.elements.filter(ts.isStringLiteral).map((element) => element.text));
    }
    ts.forEachChild(n, visit);
  };
  visit(source);
  return lists;
}

describe('retryability', () => {
  it('marks provider errors non-retryable exactly where the table says so', () => {
    const types: ProviderErrorType[] = ['ProviderRejected', 'ProviderUnavailable', 'ProviderRateLimited', 'InvalidConfig', 'PrivateNetworkRefused'];
    for (const type of types) assert.equal(new ProviderError(type, 'x').nonRetryable, !FAILURE_TYPES[type].retryable, type);
    assert.deepEqual(types.filter((type) => new ProviderError(type, 'x').nonRetryable), ['ProviderRejected', 'InvalidConfig', 'PrivateNetworkRefused']);
  });

  it('keeps the type of media and network errors it never retries, and turns anything else into a retryable ProviderUnavailable', () => {
    const failures = [
      new MediaTooLarge(10, 11),
      new MediaNotFound('med_x'),
      new PrivateNetworkRefused('10.0.0.1', '10.0.0.1', 'private'),
      new MediaDownloadFailed('https://vendor.example/out.png', 502, 'Downloading media answered HTTP 502.'),
      new Error('socket hang up'),
    ].map((err) => toFailure(err, 2));
    assert.deepEqual(
      failures.map((failure) => [failure.type, failure.nonRetryable]),
      [
        ['MediaTooLarge', true],
        ['MediaNotFound', true],
        ['PrivateNetworkRefused', true],
        ['ProviderUnavailable', false],
        ['ProviderUnavailable', false],
      ],
    );
    const limited = toFailure(new ProviderError('ProviderRateLimited', 'slow down', { status: 429, retryAfterMs: 5_000 }), 1);
    assert.deepEqual([limited.type, limited.nonRetryable, limited.nextRetryDelay], ['ProviderRateLimited', false, 5_000]);
  });

  it("puts every step failure the table never retries into each planned step's retry policy", () => {
    const plan = planRun(linearGraph());
    const expected = ['ProviderRejected', 'InvalidConfig', 'PrivateNetworkRefused', 'MediaTooLarge', 'MediaNotFound', 'ProviderOutputInvalid', 'MediaKindMismatch'];
    assert.deepEqual(nonRetryableFailureTypes('step'), expected);
    for (const step of plan.steps) assert.deepEqual(step.retry.nonRetryableErrorTypes, expected, step.id);
  });

  it("agrees with the callback activity's and the workflow's own lists of callback failures never retried", () => {
    const expected = nonRetryableFailureTypes('callback');
    assert.deepEqual(expected, ['CallbackRejected', 'CallbackUrlRefused']);
    assert.deepEqual(NON_RETRYABLE_CALLBACK_FAILURES, expected);
    assert.deepEqual(nonRetryableListsIn(projectPath('src/workflows/runExecution.ts')).filter((list) => list.length > 0), [expected]);
  });

  it('retries failure types it does not know, as Temporal does', () => {
    assert.equal(isRetryable('SomethingNew'), true);
    assert.equal(isRetryable('toString'), true);
  });
});
