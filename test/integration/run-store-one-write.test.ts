// run_store_apply writes each step's row once per statement (migration 20261206090000): the
// transitions a step record carries (attempt, streaming, text, completion) are applied in memory
// under the same guards. These tests hold it to the writer it replaced, which updated the row once
// per transition: for every batch shape we write, both leave the same step rows and the same events.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { poolOf } from '../../src/db/client';
import { GUARDS } from '../../src/db/runStore';
import { startTestEngine, type TestEngine } from '../support/engine';
import { buildAccount, buildWorkflow, chain } from '../support/fixtures';

type Change = Record<string, unknown>;

const T0 = 1_800_000_000_000;
const at = (ms: number) => new Date(T0 + ms).toISOString();
// Stamped, so both runs get the same start (an unstamped attempt starts at the write's now()).
const attempt = (stepId: string, n: number, atMs = 0): Change => ({ kind: 'progress', entry: { kind: 'attempt', stepId, attempt: n, at: at(atMs) } });
const streaming = (stepId: string, n: number): Change => ({ kind: 'progress', entry: { kind: 'streaming', stepId, attempt: n } });
const tokens = (stepId: string, n: number, offset: number, text: string): Change => ({ kind: 'progress', entry: { kind: 'tokens', stepId, attempt: n, offset, text } });
const failed = (stepId: string, n: number): Change => ({ kind: 'progress', entry: { kind: 'failed', stepId, attempt: n, error: { type: 'ProviderUnavailable', message: `try ${n}` }, at: at(n) } });
const step = (patch: Record<string, unknown>, replaces = false): Change => ({ kind: 'step', patch, ...(replaces ? { replaces: true } : {}) });
const run = (status: string, seq: number, extra: Record<string, unknown> = {}): Change => ({ kind: 'run', patch: { status, seq, ...extra } });

/** Batch sequences, each applied in order to a fresh run (steps input, a, b, output). */
const SCENARIOS: Record<string, Change[][]> = {
  'a step record with the changes handed to it, applied twice': [
    [
      run('running', 1, { startedAtMs: T0 }),
      step({ stepId: 'input', status: 'completed', output: { topic: 't' }, attempts: 1, finishedAtMs: T0 }),
      attempt('a', 1, 5),
      streaming('a', 1),
      tokens('a', 1, 0, 'hello'),
      step({ stepId: 'a', status: 'completed', output: { text: 'hello' }, attempts: 1, finishedAtMs: T0 + 40 }, true),
    ],
    [attempt('a', 1, 5), streaming('a', 1), tokens('a', 1, 0, 'hello'), step({ stepId: 'a', status: 'completed', output: { text: 'hello' }, attempts: 1, finishedAtMs: T0 + 40 }, true)],
  ],
  'failed attempts, a retry and a later attempt replacing an earlier completion': [
    [attempt('a', 1, 1), streaming('a', 1), tokens('a', 1, 0, 'par'), failed('a', 1), failed('a', 1)],
    [attempt('a', 2, 50), tokens('a', 2, 0, 'whole'), step({ stepId: 'a', status: 'completed', output: { text: 'whole' }, attempts: 2, finishedAtMs: T0 + 60 }, true)],
    [step({ stepId: 'a', status: 'completed', output: { text: 'third' }, attempts: 3, finishedAtMs: T0 + 90 }, true), step({ stepId: 'a', status: 'completed', output: { text: 'stale' }, attempts: 1 }, true)],
  ],
  'waiting with merged waitingOn, then running, then completed': [
    [attempt('a', 1), step({ stepId: 'a', status: 'waiting', waitingOn: { jobKey: 'j1', callbackToken: 'tok' } }), step({ stepId: 'a', status: 'waiting', waitingOn: { type: 'vendor-capacity' } })],
    [step({ stepId: 'a', status: 'running' }), step({ stepId: 'a', status: 'completed', output: { video: 1 }, finishedAtMs: T0 + 500, cache: { hit: false } })],
  ],
  'a clock behind: a finish before the start, an attempt stamped before the start': [
    [step({ stepId: 'a', status: 'running', startedAtMs: T0 + 100 }), attempt('a', 1, 20), step({ stepId: 'a', status: 'completed', output: { text: 'x' }, finishedAtMs: T0 + 10, attempts: 1 })],
  ],
  'a settlement stamped with a start after its finish, on a step that never started': [
    [step({ stepId: 'a', status: 'completed', output: { text: 'x' }, startedAtMs: T0 + 50, finishedAtMs: T0 + 10, attempts: 1 }), step({ stepId: 'b', status: 'error', error: { type: 'X', message: 'x' }, finishedAtMs: T0 + 5 })],
  ],
  'streaming and text of an attempt that is no longer the step’s latest': [
    [attempt('a', 2, 3), streaming('a', 1), tokens('a', 1, 0, 'old'), attempt('a', 1, 1), streaming('a', 2), tokens('a', 2, 0, 'new'), tokens('a', 2, 0, 'new')],
  ],
  'two steps interleaved in one batch, and text after a step settled': [
    [attempt('a', 1, 1), attempt('b', 1, 2), streaming('a', 1), tokens('b', 1, 0, 'bee'), step({ stepId: 'a', status: 'completed', output: { text: 'a' }, attempts: 1, finishedAtMs: T0 + 3 }), tokens('a', 1, 0, 'late'), streaming('b', 1), step({ stepId: 'b', status: 'error', error: { type: 'ProviderRejected', message: 'no' }, attempts: 1 })],
    [tokens('b', 1, 5, 'more'), step({ stepId: 'b', status: 'completed', output: { text: 'b' } }), step({ stepId: 'missing', status: 'completed', output: {} }), attempt('missing', 1)],
  ],
  'a run that ends: skipped steps, a reused output, the run’s end': [
    [run('running', 1), step({ stepId: 'a', status: 'completed', output: { text: 'cached' }, reused: true, attempts: 0 }), step({ stepId: 'b', status: 'skipped', error: { type: 'Skipped', message: 'Skipped.' } }), attempt('b', 1), run('error', 2, { error: { type: 'StepFailed', message: 'x' }, finishedAtMs: T0 + 9, durationMs: 9 })],
  ],
};

describe('RunStore writes each step row once per statement', function () {
  let engine: TestEngine;

  before(async () => {
    engine = await startTestEngine();
    // The writer of migration 20261206080000 (a row update per transition), beside the current one.
    const before = await readFile(path.resolve(import.meta.dirname, '../../prisma/migrations/20261206080000_run_store_no_key_lock/migration.sql'), 'utf8');
    await poolOf(engine.db).query(before.replace('FUNCTION run_store_apply(', 'FUNCTION run_store_apply_per_transition('));
  });
  after(async () => {
    await poolOf(engine.db).query('DROP FUNCTION IF EXISTS run_store_apply_per_transition(TEXT, JSONB, JSONB)').catch(() => undefined);
    await engine?.close();
  });

  async function admitted() {
    const account = await buildAccount(engine.db, { creditBalance: 100 });
    const graph = chain([{ id: 'a', type: 'text-generation', config: { prompt: '{{topic}}' } }, { id: 'b', type: 'text-generation', config: { prompt: '{{a}}' }, from: ['a'] }], 'b');
    const workflow = await buildWorkflow(engine.db, account.id, graph);
    const admission = await engine.admissions.admit({ account, workflow, triggerType: 'api', inputs: { topic: 't' }, async: true, receivedAtMs: Date.now() });
    return admission.executionId;
  }

  async function apply(fn: 'run_store_apply' | 'run_store_apply_per_transition', executionId: string, batch: Change[]) {
    await poolOf(engine.db).query(`SELECT run_store_append($1, ${fn}($1, $2::jsonb, $3::jsonb))`, [executionId, JSON.stringify(batch), GUARDS]);
  }

  async function state(executionId: string) {
    const pool = poolOf(engine.db);
    const steps = await pool.query(
      `SELECT step_id, status::text, attempts, output, error, attempt_errors, waiting_on, reused, cache, started_at, finished_at
         FROM steps WHERE execution_id = $1 ORDER BY step_id`,
      [executionId],
    );
    const events = await pool.query('SELECT seq, type, data FROM execution_events WHERE execution_id = $1 ORDER BY seq', [executionId]);
    const execution = await pool.query('SELECT status::text, status_seq, output, error, started_at, finished_at, duration_ms FROM executions WHERE id = $1', [executionId]);
    return { steps: steps.rows, events: events.rows, execution: execution.rows[0] };
  }

  for (const [name, batches] of Object.entries(SCENARIOS)) {
    it(`leaves the rows and events the per-transition writer left: ${name}`, async () => {
      const [current, previous] = [await admitted(), await admitted()];
      for (const batch of batches) {
        await apply('run_store_apply', current, batch);
        await apply('run_store_apply_per_transition', previous, batch);
      }
      const [now, then] = [await state(current), await state(previous)];
      assert.deepEqual(now, then);
      assert.ok(now.events.length > 0);
    });
  }

  it('updates a step’s row once for a record of its attempt, streaming, text and completion', async () => {
    const executionId = await admitted();
    // Row updates of `steps` counted by Postgres, read inside one transaction (no flush in between).
    const client = await poolOf(engine.db).connect();
    const updates = async () => Number((await client.query<{ n: string }>("SELECT n_tup_upd::text AS n FROM pg_stat_xact_user_tables WHERE relname = 'steps'")).rows[0]?.n ?? 0);
    try {
      await client.query('BEGIN');
      const before = await updates();
      const record = [attempt('a', 1, 1), streaming('a', 1), tokens('a', 1, 0, 'hi'), step({ stepId: 'a', status: 'completed', output: { text: 'hi' }, attempts: 1, finishedAtMs: T0 + 2 }, true)];
      await client.query('SELECT run_store_append($1, run_store_apply($1, $2::jsonb, $3::jsonb))', [executionId, JSON.stringify(record), GUARDS]);
      const afterCurrent = await updates();
      const recordB = [attempt('b', 1, 1), streaming('b', 1), step({ stepId: 'b', status: 'completed', output: { text: 'b' }, attempts: 1 })];
      await client.query('SELECT run_store_append($1, run_store_apply_per_transition($1, $2::jsonb, $3::jsonb))', [executionId, JSON.stringify(recordB), GUARDS]);
      const afterPrevious = await updates();
      await client.query('COMMIT');
      assert.equal(afterCurrent - before, 1, 'the current writer: one update of the step row');
      assert.equal(afterPrevious - afterCurrent, 3, 'the writer it replaced: one per transition');
    } finally {
      client.release();
    }
  });
});
