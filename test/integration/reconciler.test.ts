// Orphaned admissions (committed, never started: the API process died in between) are settled.
import assert from 'node:assert/strict';
import { reconcileOrphans } from '../../src/services/reconciler';
import { startTestEngine, type TestEngine } from '../support/engine';
import { buildAccount, buildWorkflow, chain } from '../support/fixtures';

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
    const orphanId = 'ex_orphan_' + Date.now();
    await engine.db.$transaction(async (tx) => {
      await tx.account.update({ where: { id: account.id }, data: { creditBalance: { decrement: 1 } } });
      await tx.execution.create({
        data: {
          id: orphanId, accountId: account.id, workflowId: workflow.id, triggerType: 'api', targetNodeId: 'output', status: 'planning',
          inputs: {}, plan: {}, creditsUsed: 1, temporalWorkflowId: orphanId, receivedAt: new Date(),
          steps: { createMany: { data: [{ stepId: 'a', nodeType: 'text-generation', groupIndex: 1 }] } },
        },
      });
      await tx.creditLedgerEntry.create({ data: { id: `debit-${orphanId}`, accountId: account.id, executionId: orphanId, kind: 'debit', amount: 1 } });
    });
    const balanceBefore = (await engine.db.account.findUniqueOrThrow({ where: { id: account.id } })).creditBalance;

    const report = await reconcileOrphans({ db: engine.db, temporal: engine.env.client }, 0);
    assert.deepEqual(report.settled, [orphanId]);
    const orphan = await engine.db.execution.findUniqueOrThrow({ where: { id: orphanId }, include: { steps: true } });
    assert.equal(orphan.status, 'error');
    assert.equal((orphan.error as { type: string }).type, 'EngineUnavailable');
    assert.equal(orphan.steps[0]!.status, 'skipped');
    assert.equal((await engine.db.account.findUniqueOrThrow({ where: { id: account.id } })).creditBalance, balanceBefore + 1, 'refunded');
    assert.equal((await engine.db.execution.findUniqueOrThrow({ where: { id: started.executionId } })).status, 'planning', 'a started run is not touched');

    const again = await reconcileOrphans({ db: engine.db, temporal: engine.env.client }, 0);
    assert.deepEqual(again.settled, [], 'a second pass changes nothing');
    assert.equal((await engine.db.account.findUniqueOrThrow({ where: { id: account.id } })).creditBalance, balanceBefore + 1, 'refunded once');
  });
});
