// The vendor capacity ledger against real Postgres: slots per vendor account shared by every
// worker, handed out round-robin by account, lapsing when nobody refreshes them, paused after a 429.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { extendLease, leasesHeld, pauseVendor, releaseLease, releaseRunLeases, tryAcquireLease, vendorPausedUntil } from '../../src/db/vendorCapacity';
import { testDatabase, type TestDatabase } from '../support/db';

describe('vendor capacity leases', function () {
  let database: TestDatabase;
  before(async () => {
    database = await testDatabase();
  });
  after(async () => database?.drop());

  let vendorSeq = 0;
  const newVendor = () => `vendor-${++vendorSeq}`;
  const ask = (vendor: string, key: string, accountId: string, limit = 2, ttl = { waitTtlMs: 15_000, holdTtlMs: 60_000 }) =>
    tryAcquireLease(database.prisma, { vendor, leaseKey: `${vendor}:${key}`, executionId: `ex-${key}`, accountId, limit, ...ttl });

  it('grants no more slots than the vendor’s limit, and the same slot again to the step that holds it', async () => {
    const vendor = newVendor();
    assert.deepEqual(await ask(vendor, 'a1', 'acct-a'), { granted: true });
    assert.deepEqual(await ask(vendor, 'a2', 'acct-a'), { granted: true });
    assert.deepEqual(await ask(vendor, 'a3', 'acct-a'), { granted: false, reason: 'capacity' });
    assert.deepEqual(await ask(vendor, 'a1', 'acct-a'), { granted: true }, 'a retried submit keeps its slot');
    assert.equal(await leasesHeld(database.prisma, vendor), 2);
    await releaseLease(database.prisma, `${vendor}:a1`);
    assert.deepEqual(await ask(vendor, 'a3', 'acct-a'), { granted: true });
  });

  it('gives a freed slot to another account’s waiting step before the backlog of the account that holds the others', async () => {
    const vendor = newVendor();
    for (const n of [1, 2, 3, 4, 5, 6]) await ask(vendor, `a${n}`, 'acct-a');
    assert.deepEqual(await ask(vendor, 'b1', 'acct-b'), { granted: false, reason: 'capacity' });
    await releaseLease(database.prisma, `${vendor}:a1`);
    // Account A's backlog asks first, and still waits: B's step has the turn.
    for (const n of [3, 4, 5, 6]) assert.deepEqual(await ask(vendor, `a${n}`, 'acct-a'), { granted: false, reason: 'capacity' });
    assert.deepEqual(await ask(vendor, 'b1', 'acct-b'), { granted: true });
  });

  it('lets a waiting step’s place and a held slot lapse when their worker stops refreshing them', async () => {
    const vendor = newVendor();
    const short = { waitTtlMs: 200, holdTtlMs: 300 };
    assert.deepEqual(await ask(vendor, 'x1', 'acct-a', 1, short), { granted: true });
    assert.deepEqual(await ask(vendor, 'x2', 'acct-a', 1, short), { granted: false, reason: 'capacity' });
    await sleep(400);
    assert.deepEqual(await ask(vendor, 'x3', 'acct-b', 1), { granted: true }, 'the dead worker’s slot lapsed');
    assert.equal(await leasesHeld(database.prisma, vendor), 1);
    await extendLease(database.prisma, `${vendor}:x3`, 60_000);
    await releaseRunLeases(database.prisma, 'ex-x3');
    assert.equal(await leasesHeld(database.prisma, vendor), 0, 'the run ended: its slots are free');
  });

  it('holds every step back while the vendor is paused after a 429, and lets them go when the pause ends', async () => {
    const vendor = newVendor();
    await pauseVendor(database.prisma, vendor, new Date(Date.now() + 400));
    // An earlier pause cannot shorten a later one.
    await pauseVendor(database.prisma, vendor, new Date(Date.now() + 50));
    const answer = await ask(vendor, 'p1', 'acct-a');
    assert.equal(answer.granted, false);
    assert.equal(!answer.granted && answer.reason, 'paused');
    assert.ok(await vendorPausedUntil(database.prisma, vendor));
    await sleep(450);
    assert.equal(await vendorPausedUntil(database.prisma, vendor), undefined);
    assert.deepEqual(await ask(vendor, 'p1', 'acct-a'), { granted: true });
  });
});
