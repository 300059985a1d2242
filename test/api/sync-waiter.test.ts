// A sync run's waiter: watched from before its workflow starts, it reads the run's row when its end
// is announced, not once at once (under load that first read always found the run still going).
import assert from 'node:assert/strict';
import { EventHub } from '../../src/events/hub';
import { awaitSettledRun, EndWatch } from '../../src/api/workflows/run';
import { RunStore } from '../../src/db/runStore';
import { startTestEngine, type TestEngine } from '../support/engine';
import { buildAccount, buildWorkflow, chain } from '../support/fixtures';

describe('the sync waiter of a run', function () {
  this.timeout(60_000);
  let engine: TestEngine;
  let hub: EventHub;

  before(async () => {
    engine = await startTestEngine();
    hub = new EventHub(engine.databaseUrl);
  });
  after(async () => {
    await hub?.close();
    await engine?.close();
  });

  /** An admitted run (no worker polls its queue) and the watch admission began before its start. */
  async function admittedWithWatch() {
    const account = await buildAccount(engine.db, { creditBalance: 100 });
    const workflow = await buildWorkflow(engine.db, account.id, chain([{ id: 'a', type: 'text-generation', config: { prompt: '{{topic}}' } }], 'a'));
    let watch: EndWatch | undefined;
    let startedBeforeWatch = true;
    const admission = await engine.admissions.admit({
      account,
      workflow,
      triggerType: 'api',
      inputs: { topic: 't' },
      async: false,
      receivedAtMs: Date.now(),
      beforeStart: async (executionId) => {
        // The run is recorded, and its workflow not started yet.
        startedBeforeWatch = await engine.client.workflow
          .getHandle(`${workflow.slug}-${executionId}`)
          .describe()
          .then(() => true, () => false);
        watch = await EndWatch.beforeStart(hub, executionId);
      },
    });
    assert.equal(startedBeforeWatch, false, 'the watch begins before the workflow starts');
    return { accountId: account.id, executionId: admission.executionId, watch: watch! };
  }

  const end = (executionId: string) =>
    new RunStore(engine.db).applyBatch({ executionId, changes: [{ kind: 'run', patch: { status: 'error', seq: 9, error: { type: 'Test', message: 'ended by the test' }, finishedAtMs: Date.now() } }], refund: true });

  it('answers with the run as its end left it once the end is announced', async () => {
    const { accountId, executionId, watch } = await admittedWithWatch();
    assert.equal(watch.heardAllSinceStart, true);
    const answer = awaitSettledRun({ db: engine.db, temporal: engine.client, events: hub }, accountId, executionId, undefined, watch);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await end(executionId);
    const row = await answer;
    assert.equal(row?.status, 'error');
    watch.stop();
  });

  it('answers a run that ended between its watch and its wait without waiting for a poll', async () => {
    const { accountId, executionId, watch } = await admittedWithWatch();
    await end(executionId);
    const started = Date.now();
    const row = await awaitSettledRun({ db: engine.db, temporal: engine.client, events: hub }, accountId, executionId, undefined, watch);
    assert.equal(row?.status, 'error');
    assert.ok(Date.now() - started < 1_800, `answered after ${Date.now() - started} ms`);
    watch.stop();
  });

  it('does not read the run before it is woken: a row changed without an announcement is seen only at the next poll', async () => {
    const { accountId, executionId, watch } = await admittedWithWatch();
    // Not how runs end (every end goes through the RunStore, which announces it): a row nobody announced.
    await engine.db.execution.update({ where: { id: executionId }, data: { status: 'error' } });
    const started = Date.now();
    const row = await awaitSettledRun({ db: engine.db, temporal: engine.client, events: hub }, accountId, executionId, undefined, watch);
    assert.equal(row?.status, 'error');
    // The listener is up, so the fallback poll comes after 2 s; a waiter without the early watch reads at once.
    assert.ok(Date.now() - started >= 1_900, `read after ${Date.now() - started} ms`);
    const { executionId: other, accountId: otherAccount, watch: otherWatch } = await admittedWithWatch();
    otherWatch.stop();
    await engine.db.execution.update({ where: { id: other }, data: { status: 'error' } });
    const at = Date.now();
    assert.equal((await awaitSettledRun({ db: engine.db, temporal: engine.client, events: hub }, otherAccount, other))?.status, 'error');
    assert.ok(Date.now() - at < 1_800);
    watch.stop();
  });
});
