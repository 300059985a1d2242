// The status mirror's guarantees, against real Postgres: idempotent, ordered, terminal statuses
// never regress, refunds happen once.
import assert from 'node:assert/strict';
import { createMirrorActivity } from '../../src/activities/mirror';
import type { MirrorBatch } from '../../src/activities/contracts';
import { startTestEngine, type TestEngine } from '../support/engine';
import { buildAccount, buildWorkflow, chain } from '../support/fixtures';

describe('status mirror', function () {
  let engine: TestEngine;
  let mirror: ReturnType<typeof createMirrorActivity>;

  before(async () => {
    engine = await startTestEngine();
    mirror = createMirrorActivity(engine.db);
  });
  after(async () => engine?.close());

  /** An admitted execution (no worker polls this queue, so only the test writes its statuses). */
  async function admitted() {
    const account = await buildAccount(engine.db, { creditBalance: 100 });
    const workflow = await buildWorkflow(engine.db, account.id, chain([{ id: 'a', type: 'text-generation', config: { prompt: '{{topic}}' } }], 'a'));
    const admission = await engine.admissions.admit({ account, workflow, triggerType: 'api', inputs: { topic: 't' }, async: true, receivedAtMs: Date.now() });
    return { account, executionId: admission.executionId };
  }
  const load = (id: string) => engine.db.execution.findUniqueOrThrow({ where: { id }, include: { steps: true, events: { orderBy: { seq: 'asc' } } } });

  it('applies a retried batch once: no second change, no second event, no second refund', async () => {
    const { account, executionId } = await admitted();
    const batch: MirrorBatch = {
      executionId,
      changes: [
        { kind: 'run', patch: { status: 'running', seq: 1 } },
        { kind: 'step', patch: { stepId: 'a', status: 'error', error: { type: 'ProviderRejected', message: 'no' } } },
        { kind: 'run', patch: { status: 'error', seq: 2, error: { type: 'ProviderRejected', message: 'no' } } },
      ],
      refund: true,
    };
    await mirror(batch);
    const first = await load(executionId);
    await mirror(batch);
    await Promise.all([mirror(batch), mirror(batch)]);
    const again = await load(executionId);
    assert.equal(again.status, 'error');
    assert.deepEqual(again.events.map((e) => e.type), ['run.status', 'step.status', 'run.status', 'run.end']);
    assert.equal(again.events.length, first.events.length);
    const ledger = await engine.db.creditLedgerEntry.findMany({ where: { executionId } });
    assert.deepEqual(ledger.map((e) => e.kind).sort(), ['debit', 'refund']);
    const balance = (await engine.db.account.findUniqueOrThrow({ where: { id: account.id } })).creditBalance;
    assert.equal(balance, 100, 'debited once, refunded once');
  });

  it('ignores a run change older than the one stored', async () => {
    const { executionId } = await admitted();
    await mirror({ executionId, changes: [{ kind: 'run', patch: { status: 'waiting', seq: 5 } }] });
    await mirror({ executionId, changes: [{ kind: 'run', patch: { status: 'running', seq: 4 } }] });
    assert.equal((await load(executionId)).status, 'waiting');
  });

  it('never regresses a terminal status, for the run or a step', async () => {
    const { executionId } = await admitted();
    await mirror({
      executionId,
      changes: [
        { kind: 'step', patch: { stepId: 'a', status: 'completed', output: { text: 'done' } } },
        { kind: 'run', patch: { status: 'completed', seq: 3, output: 'done' } },
      ],
    });
    await mirror({
      executionId,
      changes: [
        { kind: 'step', patch: { stepId: 'a', status: 'running' } },
        { kind: 'run', patch: { status: 'running', seq: 9 } },
      ],
    });
    const execution = await load(executionId);
    assert.equal(execution.status, 'completed');
    assert.equal(execution.steps.find((s) => s.stepId === 'a')!.status, 'completed');
    assert.deepEqual(execution.steps.find((s) => s.stepId === 'a')!.output, { text: 'done' });
  });
});
