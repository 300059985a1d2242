// A run's end written by its final provider step (the `final-step-ends-run` patch), against a real
// Temporal dev server and a real Postgres: when the step's record and the workflow's own end race
// (a cancel or a run timeout while the final step completes), whichever commits first wins, and
// the workflow ends with what Postgres holds, so Temporal's result always equals the rows.
import assert from 'node:assert/strict';
import { RunStore } from '../../src/db/runStore';
import { RUN_STATUS } from '../../src/workflows/searchAttributes';
import { startTestEngine, type TestEngine } from '../support/engine';
import { buildAccount, buildWorkflow, chain } from '../support/fixtures';

describe('a run ended by its final step', function () {
  let engine: TestEngine;
  before(async () => {
    engine = await startTestEngine();
  });
  after(async () => engine?.close());

  /** Waits until the step is running (its activity started). */
  async function untilRunning(executionId: string, stepId: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const step = await engine.db.step.findUnique({ where: { executionId_stepId: { executionId, stepId } } });
      if (step?.status === 'running' || step?.status === 'streaming') return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.fail(`step ${stepId} never started`);
  }

  it('ends as Postgres recorded it when the final step ended the run while the workflow was being cancelled: completed, not refunded, one run.end', async () => {
    const account = await buildAccount(engine.db, { creditBalance: 50 });
    const workflow = await buildWorkflow(
      engine.db,
      account.id,
      chain([{ id: 'slow', type: 'text-generation', config: { prompt: 'Slow {{topic}}', sandbox: { delayMs: 20_000 } } }], 'slow'),
    );
    const worker = await engine.createWorker();
    const { result, description } = await worker.runUntil(async () => {
      const admission = await engine.admissions.admit({ account, workflow, triggerType: 'api', inputs: { topic: 'otters' }, async: true, receivedAtMs: Date.now() });
      const { executionId } = admission;
      await untilRunning(executionId, 'slow');
      // The final step's attempt commits its record and the run's end (as the activity does), and the
      // cancel reaches the workflow before the attempt's answer does.
      const stored = await new RunStore(engine.db).recordStep(
        executionId,
        { changes: [], progress: [], completed: { stepId: 'slow', status: 'completed', output: { text: 'written by the step' }, attempts: 1, finishedAtMs: Date.now() } },
        {
          workflowId: workflow.id,
          changes: [
            { kind: 'step', patch: { stepId: 'output', status: 'completed', output: { value: 'written by the step' }, attempts: 1, finishedAtMs: Date.now() } },
            { kind: 'run', patch: { status: 'completed', seq: 1_000, output: 'written by the step', durationMs: 123, finishedAtMs: Date.now() } },
          ],
        },
      );
      assert.equal(stored, null, 'the step ended the run');
      const handle = engine.env.client.workflow.getHandle(admission.temporalWorkflowId);
      await handle.cancel();
      return { result: await handle.result(), description: await handle.describe() };
    });
    assert.equal(result.status, 'completed');
    assert.equal(result.output, 'written by the step');
    assert.equal(result.durationMs, 123);
    assert.equal(description.status.name, 'COMPLETED');
    assert.equal(description.typedSearchAttributes.get(RUN_STATUS), 'completed');
    const execution = await engine.db.execution.findUniqueOrThrow({ where: { id: result.executionId }, include: { events: true } });
    assert.equal(execution.status, 'completed');
    assert.equal(execution.output, result.output);
    assert.equal(execution.events.filter((event) => event.type === 'run.end').length, 1);
    const ledger = await engine.db.creditLedgerEntry.findMany({ where: { executionId: execution.id } });
    assert.deepEqual(ledger.map((entry) => entry.kind).sort(), ['debit'], 'a completed run is not refunded');
    assert.equal((await engine.db.account.findUniqueOrThrow({ where: { id: account.id } })).creditBalance, 50 - execution.creditsUsed);
  });
});
