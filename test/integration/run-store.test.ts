// The RunStore against real Postgres: the one writer of runs, steps and events. A step attempt's
// own record (its progress and completion, with the changes the workflow handed it) is applied
// once, replaced only by a later attempt, and never over a status the transition table closes.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { poolOf } from '../../src/db/client';
import { recordHolds } from '../../src/db/ledger';
import { rawTransaction } from '../../src/db/rawTransaction';
import { RunStore } from '../../src/db/runStore';
import { planRun } from '../../src/domain/planner';
import { startTestEngine, type TestEngine } from '../support/engine';
import { buildAccount, buildWorkflow, chain } from '../support/fixtures';

describe('RunStore', function () {
  let engine: TestEngine;
  let store: RunStore;

  before(async () => {
    engine = await startTestEngine();
    store = new RunStore(engine.db);
  });
  after(async () => engine?.close());

  /** An admitted execution (no worker polls this queue, so only the test writes its statuses). */
  async function admitted() {
    const account = await buildAccount(engine.db, { creditBalance: 100 });
    const workflow = await buildWorkflow(engine.db, account.id, chain([{ id: 'a', type: 'text-generation', config: { prompt: '{{topic}}' } }], 'a'));
    const admission = await engine.admissions.admit({ account, workflow, triggerType: 'api', inputs: { topic: 't' }, async: true, receivedAtMs: Date.now() });
    return admission.executionId;
  }
  const load = (id: string) => engine.db.execution.findUniqueOrThrow({ where: { id }, include: { steps: true, events: { orderBy: { seq: 'asc' } } } });
  const stepOf = async (id: string, stepId: string) => (await load(id)).steps.find((step) => step.stepId === stepId)!;

  it('records a step attempt with the changes handed to it, in order, once however often it is applied', async () => {
    const executionId = await admitted();
    const record = {
      changes: [
        { kind: 'run' as const, patch: { status: 'running' as const, seq: 1, startedAtMs: Date.now() } },
        { kind: 'step' as const, patch: { stepId: 'input', status: 'completed' as const, output: { topic: 't' }, finishedAtMs: Date.now() } },
      ],
      progress: [
        { kind: 'attempt' as const, stepId: 'a', attempt: 1, at: new Date().toISOString() },
        { kind: 'streaming' as const, stepId: 'a', attempt: 1 },
        { kind: 'tokens' as const, stepId: 'a', attempt: 1, offset: 0, text: 'hello' },
      ],
      completed: { stepId: 'a', status: 'completed' as const, output: { text: 'hello' }, attempts: 1, finishedAtMs: Date.now() },
    };
    await store.recordStep(executionId, record);
    await Promise.all([store.recordStep(executionId, record), store.recordStep(executionId, record)]);
    const execution = await load(executionId);
    assert.equal(execution.status, 'running');
    assert.deepEqual(
      execution.events.map((event) => `${event.type}:${(event.data as { stepId?: string; status?: string }).stepId ?? ''}:${(event.data as { status?: string }).status ?? ''}`),
      ['run.status::running', 'step.status:input:completed', 'step.status:a:running', 'step.status:a:streaming', 'step.token:a:', 'step.status:a:completed'],
    );
    const a = execution.steps.find((step) => step.stepId === 'a')!;
    assert.deepEqual(a.output, { text: 'hello' });
    assert.ok(a.startedAt && a.finishedAt && a.startedAt <= a.finishedAt);
  });

  it('lets a later attempt replace an earlier attempt’s recorded completion, and no attempt overwrite a failed or skipped step', async () => {
    const executionId = await admitted();
    const completed = (attempts: number, text: string) => ({ stepId: 'a', status: 'completed' as const, output: { text }, attempts, finishedAtMs: Date.now() });
    await store.recordStep(executionId, { changes: [], progress: [], completed: completed(1, 'first') });
    // Attempt 1 committed, its answer to Temporal was lost, attempt 2 ran: the run goes on with attempt 2's output.
    await store.recordStep(executionId, { changes: [], progress: [], completed: completed(2, 'second') });
    await store.recordStep(executionId, { changes: [], progress: [], completed: completed(1, 'first') });
    assert.deepEqual((await stepOf(executionId, 'a')).output, { text: 'second' });

    const other = await admitted();
    await store.applyBatch({ executionId: other, changes: [{ kind: 'step', patch: { stepId: 'a', status: 'error', error: { type: 'RunTimeout', message: 'late' } } }] });
    await store.recordStep(other, { changes: [], progress: [], completed: completed(3, 'too late') });
    const step = await stepOf(other, 'a');
    assert.equal(step.status, 'error');
    assert.equal(step.output, null);
  });

  it('refuses transitions the table forbids: no streaming of a waiting step, no run back to running after its end', async () => {
    const executionId = await admitted();
    await store.markWaiting(executionId, 'a', { provider: 'replicate', jobKey: 'k', callbackToken: 'tok' });
    await store.writeProgress(executionId, [{ kind: 'streaming', stepId: 'a', attempt: 0 }]);
    assert.equal((await stepOf(executionId, 'a')).status, 'waiting');
    await store.applyBatch({ executionId, changes: [{ kind: 'run', patch: { status: 'cancelled', seq: 2 } }] });
    await store.applyBatch({ executionId, changes: [{ kind: 'run', patch: { status: 'running', seq: 3 } }] });
    assert.equal((await load(executionId)).status, 'cancelled');
  });

  describe("a run's end, written by whichever writer reaches it first (run_store_end)", () => {
    const completedA = (text: string, attempts = 1) => ({ stepId: 'a', status: 'completed' as const, output: { text }, attempts, finishedAtMs: Date.now() });
    /** The final step's end of the run: its inline successor and the run's completion. */
    const endOf = (text: string, seq: number) => ({
      workflowId: '',
      changes: [
        { kind: 'step' as const, patch: { stepId: 'output', status: 'completed' as const, output: { value: text }, attempts: 1, finishedAtMs: Date.now() } },
        { kind: 'run' as const, patch: { status: 'completed' as const, seq, output: text, durationMs: 42, finishedAtMs: Date.now() } },
      ],
    });
    const ledgerOf = (executionId: string) => engine.db.creditLedgerEntry.findMany({ where: { executionId }, orderBy: { id: 'asc' } });
    const kindsOf = async (executionId: string) => (await load(executionId)).events.map((event) => event.type);

    it("ends the run with the final step's record, and gives a later writer the stored end without changing anything", async () => {
      const executionId = await admitted();
      const { workflowId } = await engine.db.execution.findUniqueOrThrow({ where: { id: executionId } });
      await store.applyBatch({ executionId, changes: [{ kind: 'run', patch: { status: 'running', seq: 1 } }] });
      const end = { ...endOf('first', 3), workflowId };
      assert.equal(await store.recordStep(executionId, { changes: [], progress: [], completed: completedA('first') }, end), null, 'this record ended the run');
      const execution = await load(executionId);
      assert.equal(execution.status, 'completed');
      assert.equal(execution.output, 'first');
      assert.deepEqual((await stepOf(executionId, 'output')).output, { value: 'first' });
      assert.deepEqual((await engine.db.canvasNodeResult.findMany({ where: { workflowId } })).map((row) => row.nodeId).sort(), ['a', 'output']);

      // A retried attempt (its answer lost) and the mirror both come second: nothing changes, both hear the stored end.
      const stored = { status: 'completed', output: 'first', error: null, durationMs: 42 };
      assert.deepEqual(await store.recordStep(executionId, { changes: [], progress: [], completed: completedA('second', 2) }, { ...endOf('second', 3), workflowId }), stored);
      assert.deepEqual((await stepOf(executionId, 'a')).output, { text: 'first' }, 'an ended run keeps the step output its end reported');
      const ledger = await ledgerOf(executionId);
      assert.deepEqual(
        await store.applyBatch({ executionId, changes: [{ kind: 'run', patch: { status: 'cancelled', seq: 4, error: { type: 'Cancelled', message: 'late' } } }], refund: true }),
        stored,
      );
      assert.deepEqual(await ledgerOf(executionId), ledger, 'a completed run is never refunded');
      assert.equal((await engine.db.account.findUniqueOrThrow({ where: { id: execution.accountId } })).creditBalance, 99);
      assert.equal((await kindsOf(executionId)).filter((type) => type === 'run.end').length, 1);
    });

    it('gives a run the workflow cancelled first no results, no release and no completion from its final step\'s late record', async () => {
      const executionId = await admitted();
      const { workflowId, accountId } = await engine.db.execution.findUniqueOrThrow({ where: { id: executionId } });
      await store.applyBatch({ executionId, changes: [{ kind: 'run', patch: { status: 'running', seq: 1 } }] });
      assert.equal(
        await store.applyBatch({ executionId, changes: [{ kind: 'run', patch: { status: 'cancelled', seq: 2, error: { type: 'Cancelled', message: 'The run was cancelled.' } } }], refund: true }),
        null,
        'the mirror ended it',
      );
      const ledger = await ledgerOf(executionId);
      assert.deepEqual(ledger.map((entry) => entry.kind).sort(), ['debit', 'refund']);
      const stored = await store.recordStep(executionId, { changes: [], progress: [], completed: completedA('late') }, { ...endOf('late', 3), workflowId });
      assert.equal(stored?.status, 'cancelled');
      const execution = await load(executionId);
      assert.equal(execution.status, 'cancelled');
      assert.equal(execution.output, null);
      assert.notEqual((await stepOf(executionId, 'a')).status, 'completed');
      assert.equal(await engine.db.canvasNodeResult.count({ where: { workflowId } }), 0);
      assert.deepEqual(await ledgerOf(executionId), ledger, 'no release after the refund');
      assert.equal((await engine.db.account.findUniqueOrThrow({ where: { id: accountId } })).creditBalance, 100);
      assert.equal((await kindsOf(executionId)).filter((type) => type === 'run.end').length, 1);
    });
  });

  it('lets a step link its media to the run while another writer of the run holds its row', async () => {
    const executionId = await admitted();
    const media = await engine.db.media.create({ data: { id: `med_${randomUUID()}`, sha256: randomUUID(), mimeType: 'image/png', sizeBytes: 1n } });
    const pool = poolOf(engine.db);
    const writer = await pool.connect();
    const linker = await pool.connect();
    try {
      // A RunStore write in flight: the run's row is locked until it commits.
      await writer.query('BEGIN');
      await writer.query('SELECT run_store_apply($1, $2::jsonb, $3::jsonb)', [executionId, JSON.stringify([{ kind: 'run', patch: { status: 'running', seq: 1 } }]), JSON.stringify({ run: { running: ['planning'] } })]);
      // The link's foreign key check must not wait for that commit (it did under FOR UPDATE).
      await linker.query("SET lock_timeout = '500ms'");
      await linker.query('INSERT INTO execution_media (execution_id, media_id) VALUES ($1, $2)', [executionId, media.id]);
      await writer.query('COMMIT');
    } finally {
      await writer.query('ROLLBACK').catch(() => undefined);
      writer.release();
      await linker.query('RESET lock_timeout').catch(() => undefined);
      linker.release();
    }
    assert.equal(await engine.db.executionMedia.count({ where: { executionId } }), 1);
    assert.equal((await load(executionId)).status, 'running');
  });

  describe('admission in one statement (insertPaidExecution)', () => {
    async function paid(balance: number, grantModel?: string) {
      const account = await buildAccount(engine.db, { creditBalance: balance });
      if (grantModel) {
        await engine.db.trialGrant.create({ data: { id: `grant_${randomUUID()}`, accountId: account.id, model: grantModel, creditsGranted: 10, creditsRemaining: 10 } });
      }
      const workflow = await buildWorkflow(engine.db, account.id, chain([{ id: 'a', type: 'text-generation', config: { prompt: '{{topic}}' } }], 'a'));
      const plan = planRun(workflow.graph as never);
      const executionId = `ex_${randomUUID()}`;
      const row = {
        executionId,
        accountId: account.id,
        workflowId: workflow.id,
        triggerType: 'api' as const,
        plan,
        inputs: { topic: 't' },
        creditsUsed: 7,
        paidByGrant: false,
        temporalWorkflowId: `wf-${executionId}`,
        receivedAt: new Date(),
        cacheBypass: false,
      };
      const ledger = () => engine.db.creditLedgerEntry.findMany({ where: { executionId }, orderBy: { kind: 'asc' } });
      const balanceNow = async () => (await engine.db.account.findUniqueOrThrow({ where: { id: account.id } })).creditBalance;
      return { row, executionId, ledger, balanceNow };
    }

    it('writes the execution, its pending steps, its holds and the debit with its ledger entry at once', async () => {
      const { row, executionId, ledger, balanceNow } = await paid(100);
      assert.equal(await store.insertPaidExecution(row, { grantModels: ['sandbox-text'], holds: [{ stepId: 'a', credits: 7 }], debit: 7 }), true);
      const execution = await load(executionId);
      assert.equal(execution.status, 'planning');
      assert.deepEqual(execution.steps.map((step) => `${step.stepId}:${step.status}`).sort(), row.plan.steps.map((step) => `${step.id}:pending`).sort());
      assert.deepEqual((await ledger()).map((entry) => `${entry.id}:${entry.kind}:${entry.amount}:${entry.model}`), [`debit-${executionId}:debit:7:`, `hold-${executionId}-a:hold:7:a`]);
      assert.equal(await balanceNow(), 93);
    });

    it('writes the same holds, once, when admission takes its transaction instead (recordHolds)', async () => {
      const { row, executionId, ledger } = await paid(100);
      const holds = [{ stepId: 'a', credits: 7 }, { stepId: 'b', credits: 0 }];
      await rawTransaction(engine.db, async (tx) => {
        await store.insertExecution(tx, row);
        await recordHolds(tx, row.accountId, executionId, holds);
        await recordHolds(tx, row.accountId, executionId, holds);
      }, { statementTimeoutMs: 5_000 });
      const entries = await ledger();
      assert.deepEqual(entries.map((entry) => `${entry.id}:${entry.kind}:${entry.amount}:${entry.model}`), [`hold-${executionId}-a:hold:7:a`]);
    });

    it('writes nothing and answers false when a trial grant could pay for one of its models', async () => {
      const { row, executionId, ledger, balanceNow } = await paid(100, 'sandbox-text');
      assert.equal(await store.insertPaidExecution(row, { grantModels: ['sandbox-text'], holds: [], debit: 7 }), false);
      assert.equal(await engine.db.execution.findUnique({ where: { id: executionId } }), null);
      assert.deepEqual(await ledger(), []);
      assert.equal(await balanceNow(), 100);
    });

    it('refuses a debit the balance cannot pay with BS402 and the balance, leaving no execution, step, hold or debit', async () => {
      const { row, executionId, ledger, balanceNow } = await paid(3);
      await assert.rejects(store.insertPaidExecution(row, { grantModels: ['sandbox-text'], holds: [{ stepId: 'a', credits: 7 }], debit: 7 }), (err: { code?: string; detail?: string }) => {
        assert.equal(err.code, 'BS402');
        assert.equal(err.detail, '3');
        return true;
      });
      assert.equal(await engine.db.execution.findUnique({ where: { id: executionId } }), null);
      assert.equal(await engine.db.step.count({ where: { executionId } }), 0);
      assert.deepEqual(await ledger(), []);
      assert.equal(await balanceNow(), 3);
    });
  });

  it('parses and plans its hot statements once per connection (named prepared statements), whatever the values', async () => {
    const executionId = await admitted();
    const pool = poolOf(engine.db);
    // Every pooled connection: each prepares the step record the first time it writes one.
    const clients = await Promise.all(Array.from({ length: 3 }, () => pool.connect()));
    for (const client of clients) client.release();
    for (let i = 0; i < 6; i++) await store.applyChanges(executionId, [{ kind: 'step', patch: { stepId: 'a', status: 'running', startedAtMs: Date.now() + i } }]);
    const held = await Promise.all(Array.from({ length: 3 }, () => pool.connect()));
    try {
      for (const client of held) {
        const { rows } = await client.query<{ name: string; statement: string }>('SELECT name, statement FROM pg_prepared_statements');
        const record = rows.filter((row) => row.statement.includes('run_store_apply'));
        // Prepared at most once on this connection (once if it served a write), under one name.
        assert.ok(record.length <= 1, JSON.stringify(rows));
        if (record[0]) assert.match(record[0].name, /^bs_[0-9a-f]{24}$/);
      }
      const named = (await Promise.all(held.map((client) => client.query('SELECT 1 FROM pg_prepared_statements WHERE statement LIKE $1', ['%run_store_apply%'])))).reduce((n, r) => n + (r.rowCount ?? 0), 0);
      assert.ok(named >= 1, 'the step record ran as a named prepared statement');
    } finally {
      for (const client of held) client.release();
    }
  });

  it('is the only module that writes executions, steps or their events', async () => {
    const root = path.resolve('src');
    const writers: string[] = [];
    const pattern = /\b(UPDATE\s+(executions|steps)\b|INSERT\s+INTO\s+(executions|steps|execution_events)\b|\.(execution|step|executionEvent)\.(create|createMany|update|updateMany|upsert|delete|deleteMany)\()/i;
    for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
      const file = path.relative(root, path.join(entry.parentPath, entry.name));
      if (file.startsWith('generated') || file === path.join('db', 'runStore.ts')) continue;
      if (pattern.test(await readFile(path.join(root, file), 'utf8'))) writers.push(file);
    }
    // The ledger's refund also corrects the run's credit columns; the RunStore calls it, nothing else does.
    assert.deepEqual(writers, [path.join('db', 'ledger.ts')]);
  });
});
