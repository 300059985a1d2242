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

  it('answers 503 and keeps the run paid when Temporal cannot be asked whether the start reached it, then the reconciler refunds it once Temporal says it never started', async () => {
    const account = await buildAccount(engine.db, { creditBalance: 50 });
    const workflow = await buildWorkflow(engine.db, account.id, chain([{ id: 'a', type: 'text-generation', config: { prompt: '{{topic}}' } }], 'a'));
    // A client whose connection is gone: Temporal can neither start the run nor say whether it exists.
    const connection = await Connection.connect({ address: engine.env.connection.options.address });
    await connection.close();
    const admissions = new Admissions({ db: engine.db, temporal: new Client({ connection }), taskQueue: engine.taskQueue, markup: 1, runTimeoutMs: 60_000 });
    const err = await admissions
      .admit({ account, workflow, triggerType: 'api', inputs: { topic: 'x' }, async: true, receivedAtMs: Date.now() })
      .then(() => undefined, (caught: unknown) => caught);
    assert.ok(err instanceof Refusal);
    assert.equal(err.code, 'ENGINE_UNAVAILABLE');
    assert.equal(toHttpError(err)?.status, 503);
    const execution = await engine.db.execution.findFirstOrThrow({ where: { accountId: account.id } });
    assert.equal(execution.status, 'planning', 'not refunded on a guess');
    assert.equal((await engine.db.account.findUniqueOrThrow({ where: { id: account.id } })).creditBalance, 49);

    // Temporal reachable again: it says no such workflow, so the run is settled and refunded.
    const report = await reconcileOrphans({ db: engine.db, temporal: engine.env.client }, 0);
    assert.ok(report.settled.includes(execution.id));
    const settled = await engine.db.execution.findUniqueOrThrow({ where: { id: execution.id }, include: { events: { orderBy: { seq: 'asc' } }, steps: true } });
    assert.equal(settled.status, 'error');
    assert.ok(settled.steps.every((step) => step.status === 'skipped'));
    assert.deepEqual(settled.events.map((e) => e.type), ['run.status', 'run.end']);
    assert.equal((await engine.db.account.findUniqueOrThrow({ where: { id: account.id } })).creditBalance, 50, 'refunded');
  });

  it('refunds at once when the start failed and Temporal confirms no workflow exists', async () => {
    const account = await buildAccount(engine.db, { creditBalance: 50 });
    const workflow = await buildWorkflow(engine.db, account.id, chain([{ id: 'a', type: 'text-generation', config: { prompt: '{{topic}}' } }], 'a'));
    const real = engine.env.client;
    // The start is refused before reaching the server; describing by id answers NotFound.
    const temporal = { workflow: { start: async () => Promise.reject(new Error('14 UNAVAILABLE: connection refused')), getHandle: (id: string) => real.workflow.getHandle(id) } } as unknown as Client;
    const admissions = new Admissions({ db: engine.db, temporal, taskQueue: engine.taskQueue, markup: 1, runTimeoutMs: 60_000 });
    const err = await admissions.admit({ account, workflow, triggerType: 'api', inputs: { topic: 'x' }, async: true, receivedAtMs: Date.now() }).then(() => undefined, (caught: unknown) => caught);
    assert.ok(err instanceof Refusal && err.code === 'ENGINE_UNAVAILABLE', String(err));
    const execution = await engine.db.execution.findFirstOrThrow({ where: { accountId: account.id } });
    assert.equal(execution.status, 'error');
    assert.equal((await engine.db.account.findUniqueOrThrow({ where: { id: account.id } })).creditBalance, 50, 'refunded');
  });

  it('answers as started, and keeps the run paid, when the start reached Temporal but its answer was lost', async () => {
    const account = await buildAccount(engine.db, { creditBalance: 50 });
    const workflow = await buildWorkflow(engine.db, account.id, chain([{ id: 'a', type: 'text-generation', config: { prompt: '{{topic}}' } }], 'a'));
    const real = engine.env.client;
    const temporal = {
      workflow: {
        start: async (...args: Parameters<Client['workflow']['start']>) => {
          await real.workflow.start(...args);
          throw new Error('4 DEADLINE_EXCEEDED: the answer was lost');
        },
        getHandle: (id: string) => real.workflow.getHandle(id),
      },
    } as unknown as Client;
    const admissions = new Admissions({ db: engine.db, temporal, taskQueue: engine.taskQueue, markup: 1, runTimeoutMs: 60_000 });
    const admitted = await admissions.admit({ account, workflow, triggerType: 'api', inputs: { topic: 'x' }, async: true, receivedAtMs: Date.now() });
    const execution = await engine.db.execution.findUniqueOrThrow({ where: { id: admitted.executionId } });
    assert.notEqual(execution.status, 'error', 'not settled as unstarted');
    assert.equal((await engine.db.account.findUniqueOrThrow({ where: { id: account.id } })).creditBalance, 49, 'still paid');
    await real.workflow.getHandle(admitted.temporalWorkflowId).describe();
    await real.workflow.getHandle(admitted.temporalWorkflowId).terminate('test over');
  });
});
