// Orphaned admissions (committed, never started: the API process died in between) are settled.
import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import { toHttpError } from '../../src/api/errors';
import { Refusal } from '../../src/domain/refusals';
import { Admissions } from '../../src/services/admission';
import { reconcileOrphans } from '../../src/services/reconciler';
import { startTestEngine, type TestEngine } from '../support/engine';
import { buildAccount, buildUnstartedExecution, buildWorkflow, chain } from '../support/fixtures';

describe('reconciler', function () {
  let engine: TestEngine;
  before(async () => {
    engine = await startTestEngine();
  });
  after(async () => engine?.close());

  it('settles an execution whose workflow never started as error and refunds it, and leaves started runs alone', async () => {
    const account = await buildAccount(engine.db, { creditBalance: 50 });
    const workflow = await buildWorkflow(engine.db, account.id, chain([{ id: 'a', type: 'text-generation', config: { prompt: '{{topic}}' } }], 'a'));
    // A started run (no worker polls its queue, so it stays `planning` in the mirror).
    const started = await engine.admissions.admit({ account, workflow, triggerType: 'api', inputs: { topic: 'x' }, async: true, receivedAtMs: Date.now() });
    // An orphan: the admission transaction committed, the process died before starting the workflow.
    const orphanId = await buildUnstartedExecution(engine.db, account.id, workflow.id);
    const balanceBefore = (await engine.db.account.findUniqueOrThrow({ where: { id: account.id } })).creditBalance;

    const report = await reconcileOrphans({ db: engine.db, temporal: engine.env.client }, 0);
    assert.deepEqual(report.settled, [orphanId]);
    const orphan = await engine.db.execution.findUniqueOrThrow({ where: { id: orphanId }, include: { steps: true, events: { orderBy: { seq: 'asc' } } } });
    assert.deepEqual(orphan.events.map((e) => e.type), ['run.status', 'run.end'], 'live watchers learn the run ended');
    assert.equal(orphan.status, 'error');
    assert.equal((orphan.error as { type: string }).type, 'EngineUnavailable');
    assert.equal(orphan.steps[0]!.status, 'skipped');
    assert.equal((await engine.db.account.findUniqueOrThrow({ where: { id: account.id } })).creditBalance, balanceBefore + 1, 'refunded');
    assert.equal((await engine.db.execution.findUniqueOrThrow({ where: { id: started.executionId } })).status, 'planning', 'a started run is not touched');

    const again = await reconcileOrphans({ db: engine.db, temporal: engine.env.client }, 0);
    assert.deepEqual(again.settled, [], 'a second pass changes nothing');
    assert.equal((await engine.db.account.findUniqueOrThrow({ where: { id: account.id } })).creditBalance, balanceBefore + 1, 'refunded once');
  });

  it('settles a run whose workflow cannot be started as error at once: 503, refunded, watchers told', async () => {
    const account = await buildAccount(engine.db, { creditBalance: 50 });
    const workflow = await buildWorkflow(engine.db, account.id, chain([{ id: 'a', type: 'text-generation', config: { prompt: '{{topic}}' } }], 'a'));
    // A client whose connection is gone: Temporal cannot be reached when the run is started.
    const connection = await Connection.connect({ address: engine.env.connection.options.address });
    await connection.close();
    const admissions = new Admissions({ db: engine.db, temporal: new Client({ connection }), taskQueue: engine.taskQueue, markup: 1, runTimeoutMs: 60_000 });
    const err = await admissions
      .admit({ account, workflow, triggerType: 'api', inputs: { topic: 'x' }, async: true, receivedAtMs: Date.now() })
      .then(() => undefined, (caught: unknown) => caught);
    assert.ok(err instanceof Refusal);
    assert.equal(err.code, 'ENGINE_UNAVAILABLE');
    assert.equal(toHttpError(err)?.status, 503);
    const execution = await engine.db.execution.findFirstOrThrow({ where: { accountId: account.id }, include: { events: { orderBy: { seq: 'asc' } }, steps: true } });
    assert.equal(execution.status, 'error');
    assert.ok(execution.steps.every((step) => step.status === 'skipped'));
    assert.deepEqual(execution.events.map((e) => e.type), ['run.status', 'run.end']);
    assert.equal((await engine.db.account.findUniqueOrThrow({ where: { id: account.id } })).creditBalance, 50, 'refunded');
  });
});
