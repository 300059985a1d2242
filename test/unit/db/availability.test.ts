import assert from 'node:assert/strict';
import { isDatabaseUnavailable } from '../../../src/db/availability';
import { debitRefusal } from '../../../src/services/credits';
import { sqlLiteral } from '../../../src/db/rawTransaction';

describe('telling a database that cannot serve now from other errors', () => {
  it('counts a lock or statement that waited longer than allowed as the database being busy (503, retry)', () => {
    // 55P03 lock_not_available (lock_timeout), 57014 query_canceled (statement_timeout), as `pg` reports them.
    assert.equal(isDatabaseUnavailable(Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03' })), true);
    assert.equal(isDatabaseUnavailable(Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' })), true);
    assert.equal(isDatabaseUnavailable(new Error('wrapped', { cause: Object.assign(new Error('x'), { code: '55P03' }) })), true);
  });

  it('does not count a constraint violation, a refused debit or a plain bug as unavailability', () => {
    assert.equal(isDatabaseUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' })), false);
    assert.equal(isDatabaseUnavailable(Object.assign(new Error('The account has 3 credits; the run needs 5.'), { code: 'BS402', detail: '3' })), false);
    assert.equal(isDatabaseUnavailable(new TypeError('undefined is not a function')), false);
  });
});

describe('the admission debit refusal', () => {
  it('turns admission_debit’s BS402 into 402 INSUFFICIENT_CREDITS with the balance it reported', () => {
    const refusal = debitRefusal(Object.assign(new Error('too little'), { code: 'BS402', detail: '3' }), { fromBalance: 5, exhausted: [] });
    assert.equal(refusal?.code, 'INSUFFICIENT_CREDITS');
    assert.match(refusal?.message ?? '', /3/);
  });

  it('names the exhausted grant when a model’s grant ran out (402 grant_exhausted)', () => {
    const refusal = debitRefusal(Object.assign(new Error('too little'), { code: 'BS402', detail: '0' }), { fromBalance: 5, exhausted: ['sandbox-text'] });
    assert.equal(refusal?.code, 'grant_exhausted');
  });

  it('leaves every other error alone', () => {
    assert.equal(debitRefusal(Object.assign(new Error('duplicate key'), { code: '23505' }), { fromBalance: 5, exhausted: [] }), undefined);
    assert.equal(debitRefusal(undefined, { fromBalance: 5, exhausted: [] }), undefined);
  });
});

describe('SQL literals for statements sent with a COMMIT', () => {
  it('quotes and escapes strings, so a value can never end the literal early', () => {
    assert.equal(sqlLiteral("ex_1"), "'ex_1'");
    assert.equal(sqlLiteral("a'b"), "'a''b'");
    assert.equal(sqlLiteral('a\\b'), " E'a\\\\b'");
  });

  it('writes integers as digits and refuses anything else a number could be', () => {
    assert.equal(sqlLiteral(42), '42');
    assert.throws(() => sqlLiteral(1.5), TypeError);
    assert.throws(() => sqlLiteral(Number.NaN), TypeError);
    assert.throws(() => sqlLiteral(2 ** 60), TypeError);
  });
});
