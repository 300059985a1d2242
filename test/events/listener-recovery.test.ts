// The live-event listener keeps itself up: Postgres that comes up late, or goes away and comes back,
// costs watchers nothing but the wait; failures are logged, not swallowed.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { EventHub } from '../../src/events/hub';
import { EVENTS_CHANNEL, RUN_ENDS_CHANNEL } from '../../src/events/store';
import { proxyDatabase, type CuttableProxy } from '../support/cuttableProxy';

const databaseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

async function notify(executionId: string, channel = EVENTS_CHANNEL): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_notify($1, $2)', [channel, executionId]);
  } finally {
    await client.end();
  }
}

async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('the live-event listener', function () {
  this.timeout(30_000);
  let proxy: CuttableProxy;
  let hub: EventHub | undefined;
  const warnings: string[] = [];

  beforeEach(async () => {
    warnings.length = 0;
    const proxied = await proxyDatabase(databaseUrl);
    proxy = proxied.proxy;
    hub = new EventHub(proxied.url, (message) => warnings.push(message), { firstMs: 50, maxMs: 400 });
  });
  afterEach(async () => {
    await hub?.close();
    proxy.close();
  });

  it('recovers by itself when Postgres comes up after its first connection failed, and wakes watchers started meanwhile', async () => {
    proxy.cut();
    let early = 0;
    let late = 0;
    // A watch while the database is down neither throws nor hangs.
    await hub!.watch('ex_early', () => early++);
    assert.equal(hub!.listening, false);
    await until(() => warnings.length >= 2, 'the failures to be logged');
    assert.match(warnings[0]!, /event listener could not connect/);
    await hub!.watch('ex_late', () => late++);

    proxy.restore();
    await until(() => hub!.listening, 'the listener to reconnect');
    // Woken once on reconnection to re-read what they may have missed.
    await until(() => early >= 1 && late >= 1, 'the reconnection wake-up');
    const [earlyBefore, lateBefore] = [early, late];
    await notify('ex_early');
    await notify('ex_late');
    await until(() => early > earlyBefore && late > lateBefore, 'the notifications');
    assert.ok(warnings.some((message) => /connected again/.test(message)), warnings.join('\n'));
  });

  it('reconnects after losing a working connection, and later watches get their events', async () => {
    let woken = 0;
    await hub!.watch('ex_one', () => woken++);
    assert.equal(hub!.listening, true);
    proxy.cut();
    await until(() => !hub!.listening, 'the loss to be noticed');
    await sleep(300);
    proxy.restore();
    await until(() => hub!.listening, 'the listener to reconnect');
    let later = 0;
    await hub!.watch('ex_two', () => later++);
    const before = woken;
    await notify('ex_one');
    await notify('ex_two');
    await until(() => woken > before && later >= 1, 'the notifications after reconnecting');
    assert.ok(warnings.some((message) => /lost its connection/.test(message)), warnings.join('\n'));
  });

  it('listens to every run\'s events only while someone watches events, and misses none of a watcher that comes later', async () => {
    // Only a sync request's wait for the end: the connection listens to ends, not to every step's events.
    let ends = 0;
    const stopEnd = await hub!.watch('ex_sync', () => ends++, 'end');
    // The hub's first connection already woke it once (watchers re-read after every connect): count from here.
    const endsBefore = ends;
    await notify('ex_sync', RUN_ENDS_CHANNEL);
    await until(() => ends === endsBefore + 1, 'the end');

    // A live viewer arrives: its watch resolves once events are listened to, so a notification right after reaches it.
    let first = 0;
    const stopFirst = await hub!.watch('ex_live', () => first++);
    await notify('ex_live');
    await until(() => first === 1, 'the first viewer\'s event');

    // It leaves (events no longer listened to), another arrives at once: the second LISTEN follows the UNLISTEN.
    stopFirst();
    stopFirst(); // stopping twice counts once
    let second = 0;
    const stopSecond = await hub!.watch('ex_live', () => second++);
    await notify('ex_live');
    await until(() => second === 1, 'the second viewer\'s event');
    stopSecond();
    stopEnd();
    assert.equal(first, 1);
  });

  it('gives events to a watcher that registers while the connection is being set up', async () => {
    proxy.cut();
    await hub!.watch('ex_wait', () => undefined, 'end'); // starts connecting (and failing) with no events watcher
    proxy.restore();
    let woken = 0;
    await hub!.watch('ex_racing', () => woken++);
    await until(() => hub!.listening, 'the listener to connect');
    const before = woken; // the reconnection wake-up
    await notify('ex_racing');
    await until(() => woken > before, 'the event of a watcher registered during the connection');
  });
});
