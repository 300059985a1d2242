// The RunStore: the one module that writes executions, their steps, their live events and the
// ledger effects of a run's end. Every writer calls it: admission (the new execution and its
// steps), the workflow's mirror (run and step changes, the run's end), provider step attempts
// (their progress, and their own completion), job submission (the waitpoint), and settling a run
// whose workflow never ran. Each write is guarded by the one table of allowed transitions
// (src/domain/transitions.ts): a terminal status never regresses, and applying a change twice
// changes nothing and announces nothing twice.
//
// Lock order, for every transaction here: the execution's row first (lockExecution), then its
// steps. Events take their sequence numbers from the same row, so `seq` order is commit order.
import type { LiveEvent } from '../contract/events';
import type { MirrorBatch, MirrorChange, ProgressEntry, RunErrorInfo, RunPatch, StepPatch } from '../domain/runRecords';
import { isTerminalExecutionStatus, type ExecutionStatus } from '../domain/statuses';
import { runSourcesOf, stepSourcesOf } from '../domain/transitions';
import type { Plan, TriggerType } from '../domain/types';
import type pg from 'pg';
import { Prisma } from '../generated/prisma/client';
import { poolOf, type Db } from './client';
import { refundExecution, type Tx } from './ledger';

/** The NOTIFY channel of new events; the payload is the execution id. */
export const EVENTS_CHANNEL = 'execution_events';
/** The NOTIFY channel of runs that ended (their `run.end` committed); the payload is the execution id. */
export const RUN_ENDS_CHANNEL = 'execution_ends';

/**
 * The limits of the RunStore's transactions. Prisma's default (5 s to finish) is too short for a
 * batch carrying MB-sized outputs on a loaded database: it was rolled back at 5 s and the mirror,
 * which retries without limit, tried the same batch again and again. The timeout stays below the
 * mirror local activity's start-to-close (45 s, src/workflows/mirrorPump.ts), so an attempt's
 * transaction has ended before the next attempt starts. The wait for a connection keeps Prisma's
 * 2 s: when the pool is saturated, writers back off (their retries) and let admissions through.
 */
export const RUN_TRANSACTION = { maxWait: 2_000, timeout: 30_000 };

/** A new execution as admission records it (status `planning`, one `pending` row per step). */
export interface NewExecution {
  executionId: string;
  accountId: string;
  workflowId: string;
  triggerType: TriggerType;
  plan: Plan;
  inputs: Record<string, unknown>;
  creditsUsed: number;
  paidByGrant: boolean;
  temporalWorkflowId: string;
  receivedAt: Date;
  idempotencyKey?: string;
  parentExecutionId?: string;
  fromStepId?: string;
  callbackUrl?: string;
}

/** How a run whose workflow never ran is settled. */
export interface UnstartedOutcome {
  status: 'error' | 'cancelled';
  error: RunErrorInfo;
  /** The statuses it may be settled from; a run found in any other changes nothing. */
  from: Array<'planning' | 'running' | 'waiting'>;
}

/** What a provider step attempt records before it returns (see ProviderStepInput.record). */
export interface StepRecord {
  /** The run's changes the workflow handed over, applied first and in order. */
  changes: MirrorChange[];
  /** The attempt's progress not written yet (its start, streaming, tokens). */
  progress: ProgressEntry[];
  /** The step's completion by this attempt. */
  completed: StepPatch & { status: 'completed'; attempts: number };
}

/** Runs the RunStore's statements: on a `pg` connection, or inside a Prisma transaction. */
interface SqlTx {
  /** Runs a statement; the number of rows it changed. */
  execute(query: Prisma.Sql): Promise<number>;
  /** Runs a query; its rows. */
  rows<T>(query: Prisma.Sql): Promise<T[]>;
}

const sql = Prisma.sql;

/** Statements inside a Prisma interactive transaction (admission, a refund). */
function prismaSql(tx: Tx): SqlTx {
  return { execute: (query) => tx.$executeRaw(query), rows: <T>(query: Prisma.Sql) => tx.$queryRaw<T[]>(query) };
}

/** Statements on a `pg` connection; dates travel as ISO instants (the columns are timestamptz). */
function pgSql(client: pg.PoolClient): SqlTx {
  const values = (query: Prisma.Sql) => query.values.map((value) => (value instanceof Date ? value.toISOString() : value));
  return {
    execute: async (query) => (await client.query(query.text, values(query))).rowCount ?? 0,
    rows: async <T>(query: Prisma.Sql) => (await client.query(query.text, values(query))).rows as T[],
  };
}

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
const time = (ms: number | undefined): Date | null => (ms === undefined ? null : new Date(ms));
const STEP_RUNNING_FROM = stepSourcesOf('running');
const STEP_STREAMING_FROM = stepSourcesOf('streaming');
const STEP_WAITING_FROM = stepSourcesOf('waiting');
const STEP_SKIPPED_FROM = stepSourcesOf('skipped');
/** A step still open to change: any status a step can move on from. */
const STEP_OPEN = [...new Set([...STEP_RUNNING_FROM, ...STEP_WAITING_FROM, ...STEP_SKIPPED_FROM])];

/** Writes runs, steps and events. Stateless: one per process is enough, any number is fine. */
export class RunStore {
  private readonly pool: pg.Pool;

  constructor(private readonly db: Db) {
    this.pool = poolOf(db);
  }

  /**
   * Runs `work` in a transaction on a plain `pg` connection of the client's pool: the hot writes
   * (a step's record, progress, the run's end) pay one round trip per statement and nothing more
   * (see poolOf). Statements are bounded like RUN_TRANSACTION.
   */
  private async transaction<T>(work: (q: SqlTx) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query(`BEGIN; SET LOCAL statement_timeout = ${RUN_TRANSACTION.timeout}`);
      const result = await work(pgSql(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw err;
    } finally {
      // A connection that could not even roll back is dropped, not handed to the next writer.
      client.release(broken);
    }
  }

  /** Admission: inserts the execution (`planning`) and its `pending` steps in one statement, inside the admission's transaction. */
  async insertExecution(tx: Tx, row: NewExecution): Promise<void> {
    const q = prismaSql(tx);
    const { plan } = row;
    const steps = plan.steps.map((step) => ({ step_id: step.id, node_type: step.nodeType, group_index: step.groupIndex }));
    await q.execute(sql`
      WITH execution AS (
        INSERT INTO executions (id, account_id, workflow_id, trigger_type, target_node_id, status, inputs, plan, credits_used,
          paid_by_grant, temporal_workflow_id, received_at, idempotency_key, parent_execution_id, from_step_id, callback_url)
        VALUES (${row.executionId}, ${row.accountId}, ${row.workflowId}, ${row.triggerType}::"TriggerType", ${plan.targetNodeId},
          'planning', ${JSON.stringify(row.inputs)}::jsonb, ${JSON.stringify(plan)}::jsonb, ${row.creditsUsed}, ${row.paidByGrant},
          ${row.temporalWorkflowId}, ${row.receivedAt}, ${row.idempotencyKey ?? null}, ${row.parentExecutionId ?? null},
          ${row.fromStepId ?? null}, ${row.callbackUrl ?? null})
        RETURNING id)
      INSERT INTO steps (execution_id, step_id, node_type, group_index)
      SELECT execution.id, s.step_id, s.node_type, s.group_index
      FROM execution, jsonb_to_recordset(${JSON.stringify(steps)}::jsonb) AS s(step_id text, node_type text, group_index int)`);
  }

  /**
   * The workflow's mirror: applies a batch of run and step changes in order, then the run's end
   * effects (results applied to the canvas, or the refund), with their events, in one transaction.
   */
  async applyBatch(batch: MirrorBatch): Promise<void> {
    const { executionId } = batch;
    const write = async (q: SqlTx, ledger?: Tx) => {
      await lockExecution(q, executionId);
      const events = await applyChanges(q, executionId, batch.changes);
      if (batch.applyResults) await applyResults(q, executionId, batch.applyResults.workflowId);
      if (ledger && batch.refund) await refundExecution(ledger, executionId);
      await appendEvents(q, executionId, await withRunEndCredits(q, executionId, events));
    };
    // The ledger's refund is Prisma code: a run that ends in error or cancelled is written in a
    // Prisma transaction; every other batch (the run's end included) on a plain connection.
    if (batch.refund) await this.db.$transaction((tx) => write(prismaSql(tx), tx), RUN_TRANSACTION);
    else await this.transaction((q) => write(q));
  }

  /** A step attempt's progress, in order, in one transaction; `changes` (handed over by the workflow) first. */
  async writeProgress(executionId: string, entries: ProgressEntry[], changes: MirrorChange[] = []): Promise<void> {
    if (entries.length === 0 && changes.length === 0) return;
    await this.transaction(async (q) => {
      await lockExecution(q, executionId);
      const events = await applyChanges(q, executionId, [...changes, { kind: 'progress', entries }]);
      await appendEvents(q, executionId, events);
    });
  }

  /**
   * A provider step attempt's own record, written before it returns: the handed-over changes, its
   * unwritten progress and its completion, in one transaction. A later attempt's completion replaces
   * an earlier one's (the earlier attempt committed but its answer never reached Temporal, which
   * retried: the later output is the one the run goes on with).
   */
  async recordStep(executionId: string, record: StepRecord): Promise<void> {
    await this.transaction(async (q) => {
      await lockExecution(q, executionId);
      const events = await applyChanges(q, executionId, [...record.changes, { kind: 'progress', entries: record.progress }]);
      events.push(...(await applyStep(q, executionId, record.completed, { replacesEarlierAttempt: true })));
      await appendEvents(q, executionId, events);
    });
  }

  /**
   * The step waits on a provider job. Written before the job is submitted, so a callback that
   * beats the workflow to the database still finds its token. Returns the callback token, reusing
   * the one already recorded for this job key (a retried submit must keep the job's callback URL).
   */
  async markWaiting(executionId: string, stepId: string, waitingOn: { provider: string; jobKey: string; callbackToken: string }): Promise<string> {
    return this.transaction(async (q) => {
      await lockExecution(q, executionId);
      const [row] = await q.rows<{ waiting_on: { jobKey?: string; callbackToken?: string } | null }>(sql`
        SELECT waiting_on FROM steps WHERE execution_id = ${executionId} AND step_id = ${stepId}`);
      if (row?.waiting_on?.jobKey === waitingOn.jobKey && row.waiting_on.callbackToken) return row.waiting_on.callbackToken;
      const changed = await q.execute(sql`
        UPDATE steps SET status = 'waiting', waiting_on = ${JSON.stringify(waitingOn)}::jsonb
        WHERE execution_id = ${executionId} AND step_id = ${stepId}
          AND status::text = ANY(${STEP_WAITING_FROM}::text[])`);
      if (changed > 0) {
        await appendEvents(q, executionId, [{ type: 'step.status', data: { stepId, status: 'waiting', waitingOn: { provider: waitingOn.provider } } }]);
      }
      return waitingOn.callbackToken;
    });
  }

  /**
   * Settles a run whose workflow never ran (its start failed, the API died before starting it, or
   * it is cancelled before Temporal knows it): moves it from one of `from` to the outcome, skips
   * its open steps, refunds it and announces the end, in one transaction. False (and nothing
   * changed, nothing refunded) when the run was no longer in one of `from`.
   */
  async settleUnstarted(executionId: string, outcome: UnstartedOutcome): Promise<boolean> {
    const from = outcome.from.filter((status) => runSourcesOf(outcome.status).includes(status));
    return this.db.$transaction(async (tx) => {
      const q = prismaSql(tx);
      await lockExecution(q, executionId);
      const updated = await tx.execution.updateMany({
        where: { id: executionId, status: { in: from } },
        data: { status: outcome.status, error: { ...outcome.error }, finishedAt: new Date() },
      });
      if (updated.count === 0) return false;
      await tx.step.updateMany({ where: { executionId, status: { in: STEP_SKIPPED_FROM } }, data: { status: 'skipped' } });
      await refundExecution(tx, executionId);
      await appendEvents(
        q,
        executionId,
        await withRunEndCredits(q, executionId, [
          { type: 'run.status', data: { status: outcome.status, error: outcome.error } },
          { type: 'run.end', data: { status: outcome.status, output: null, error: outcome.error, durationMs: null } },
        ]),
      );
      return true;
    }, RUN_TRANSACTION);
  }
}

/** Applies changes in order (the caller holds the execution's row lock); returns the events of what changed. */
async function applyChanges(q: SqlTx, executionId: string, changes: MirrorChange[]): Promise<LiveEvent[]> {
  const events: LiveEvent[] = [];
  for (const change of changes) {
    switch (change.kind) {
      case 'progress':
        for (const entry of change.entries) events.push(...(await applyProgress(q, executionId, entry)));
        break;
      case 'step':
        events.push(...(await applyStep(q, executionId, change.patch)));
        break;
      case 'run':
        events.push(...(await applyRun(q, executionId, change.patch)));
        break;
    }
  }
  return events;
}

/** Applies a step change if the transition table allows it from the stored status; returns its event if it changed. */
async function applyStep(q: SqlTx, executionId: string, step: StepPatch, options: { replacesEarlierAttempt?: boolean } = {}): Promise<LiveEvent[]> {
  const from = stepSourcesOf(step.status);
  const replaces = options.replacesEarlierAttempt === true && step.status === 'completed' && step.attempts !== undefined;
  const changed = await q.execute(sql`
    UPDATE steps SET
      status = ${step.status}::"StepStatus",
      output = COALESCE(${json(step.output)}::jsonb, output),
      error = COALESCE(${json(step.error)}::jsonb, error),
      attempts = GREATEST(attempts, ${step.attempts ?? 0}),
      reused = reused OR ${step.reused ?? false},
      -- Merged while waiting (the submit activity recorded the callback token there), cleared after.
      waiting_on = CASE WHEN ${step.status} = 'waiting'
        THEN COALESCE(waiting_on, '{}'::jsonb) || COALESCE(${json(step.waitingOn)}::jsonb, '{}'::jsonb) ELSE NULL END,
      started_at = COALESCE(started_at, ${time(step.startedAtMs)}, ${time(step.finishedAtMs)}),
      -- Never before the start (the activity's clock stamped it; another host's may run behind).
      finished_at = CASE WHEN COALESCE(${time(step.finishedAtMs)}, finished_at) IS NULL THEN NULL
        ELSE GREATEST(COALESCE(${time(step.finishedAtMs)}, finished_at), started_at) END
    WHERE execution_id = ${executionId} AND step_id = ${step.stepId}
      AND (status::text = ANY(${from}::text[])
        OR (${replaces} AND status = 'completed' AND attempts < ${step.attempts ?? 0}))`);
  if (changed === 0) return [];
  const data: Extract<LiveEvent, { type: 'step.status' }>['data'] = { stepId: step.stepId, status: step.status };
  if (step.attempts) data.attempts = step.attempts;
  if (step.error) data.error = step.error;
  if (step.waitingOn) data.waitingOn = step.waitingOn;
  if (step.reused) data.reused = true;
  return [{ type: 'step.status', data }];
}

/** Applies a run change if it is newer than the stored one and the transition table allows it. */
async function applyRun(q: SqlTx, executionId: string, run: RunPatch): Promise<LiveEvent[]> {
  const from: ExecutionStatus[] = runSourcesOf(run.status);
  const changed = await q.execute(sql`
    UPDATE executions SET
      status = ${run.status}::"ExecutionStatus",
      status_seq = ${run.seq},
      output = COALESCE(${json(run.output)}::jsonb, output),
      error = COALESCE(${json(run.error)}::jsonb, error),
      duration_ms = COALESCE(${run.durationMs ?? null}::int, duration_ms),
      started_at = COALESCE(started_at, ${time(run.startedAtMs)}),
      finished_at = COALESCE(${time(run.finishedAtMs)}, finished_at),
      waiting_on = ${json(run.waitingOn)}::jsonb
    WHERE id = ${executionId} AND status_seq < ${run.seq}
      AND status::text = ANY(${from}::text[])`);
  if (changed === 0) return [];
  const events: LiveEvent[] = [
    { type: 'run.status', data: { status: run.status, ...(run.error ? { error: run.error } : {}), ...(run.waitingOn ? { waitingOn: run.waitingOn } : {}) } },
  ];
  if (isTerminalExecutionStatus(run.status)) {
    events.push({
      type: 'run.end',
      data: { status: run.status, output: run.output ?? null, ...(run.error ? { error: run.error } : {}), durationMs: run.durationMs ?? null },
    });
  }
  return events;
}

/**
 * Applies one progress entry of a step attempt (the caller holds the execution's row lock);
 * returns its events if it changed anything. Applying one twice changes nothing: a write that
 * committed although its client saw an error, then handed over again, announces nothing twice.
 */
async function applyProgress(q: SqlTx, executionId: string, entry: ProgressEntry): Promise<LiveEvent[]> {
  const { stepId, attempt } = entry;
  switch (entry.kind) {
    case 'attempt': {
      // `attempts < attempt`: an attempt is announced once, however often its entry is applied.
      // The start is the attempt's own clock, not the write's: a fast attempt's entry is often written
      // with its settlement, after `finished_at`. The earliest start wins, and never after the finish.
      const at = entry.at ? new Date(entry.at) : null;
      const changed = await q.execute(sql`
        UPDATE steps SET status = 'running', attempts = ${attempt},
          started_at = LEAST(COALESCE(started_at, ${at}::timestamptz, now()), COALESCE(${at}::timestamptz, now()), finished_at)
        WHERE execution_id = ${executionId} AND step_id = ${stepId} AND attempts < ${attempt}
          AND status::text = ANY(${STEP_RUNNING_FROM}::text[])`);
      return changed > 0 ? [{ type: 'step.status', data: { stepId, status: 'running', attempt } }] : [];
    }
    case 'streaming': {
      const changed = await q.execute(sql`
        UPDATE steps SET status = 'streaming'
        WHERE execution_id = ${executionId} AND step_id = ${stepId} AND attempts = ${attempt}
          AND status::text = ANY(${STEP_STREAMING_FROM}::text[])`);
      return changed > 0 ? [{ type: 'step.status', data: { stepId, status: 'streaming' } }] : [];
    }
    case 'tokens': {
      // Text is identified by its attempt and offset; none is added once the step has settled.
      const [row] = await q.rows<{ open: boolean; seen: boolean }>(sql`
        SELECT s.status::text = ANY(${STEP_OPEN}::text[]) AS open,
          EXISTS (SELECT 1 FROM execution_events e WHERE e.execution_id = ${executionId} AND e.type = 'step.token'
            AND e.data @> ${JSON.stringify({ stepId, attempt, offset: entry.offset })}::jsonb) AS seen
        FROM steps s WHERE s.execution_id = ${executionId} AND s.step_id = ${stepId}`);
      if (!row?.open || row.seen) return [];
      return [{ type: 'step.token', data: { stepId, token: entry.text, attempt, offset: entry.offset } }];
    }
    case 'failed': {
      const record = { attempt, ...entry.error, at: entry.at };
      const changed = await q.execute(sql`
        UPDATE steps SET attempt_errors = attempt_errors || ${JSON.stringify([record])}::jsonb, attempts = GREATEST(attempts, ${attempt})
        WHERE execution_id = ${executionId} AND step_id = ${stepId}
          AND NOT attempt_errors @> ${JSON.stringify([{ attempt }])}::jsonb`);
      return changed > 0 ? [{ type: 'step.attempt_failed', data: { stepId, ...record } }] : [];
    }
  }
}

/** Adds the run's credits to its `run.end` event (read after any refund of the same transaction). */
async function withRunEndCredits(q: SqlTx, executionId: string, events: LiveEvent[]): Promise<LiveEvent[]> {
  if (!events.some((event) => event.type === 'run.end')) return events;
  const [row] = await q.rows<{ credits_used: number; credits_refunded: number }>(sql`
    SELECT credits_used, credits_refunded FROM executions WHERE id = ${executionId}`);
  const credits = { creditsUsed: Number(row?.credits_used ?? 0), creditsRefunded: Number(row?.credits_refunded ?? 0) };
  return events.map((event) => (event.type === 'run.end' ? { ...event, data: { ...event.data, ...credits } } : event));
}

/** Applies a completed run's step outputs to the canvas's nodes as their latest results. */
async function applyResults(q: SqlTx, executionId: string, workflowId: string): Promise<void> {
  await q.execute(sql`
    INSERT INTO canvas_node_results (workflow_id, node_id, execution_id, output, updated_at)
    SELECT ${workflowId}, step_id, execution_id, output, now()
    FROM steps WHERE execution_id = ${executionId} AND status = 'completed' AND output IS NOT NULL
    ORDER BY step_id -- one lock order for concurrent runs of the same canvas: no deadlocks
    ON CONFLICT (workflow_id, node_id) DO UPDATE
      SET execution_id = EXCLUDED.execution_id, output = EXCLUDED.output, updated_at = EXCLUDED.updated_at
      WHERE canvas_node_results.updated_at <= EXCLUDED.updated_at`);
}

/**
 * Appends events with the next sequence numbers and announces them (NOTIFY on EVENTS_CHANNEL, and
 * on RUN_ENDS_CHANNEL when the run ended). The sequence comes
 * from the execution's row, which the caller has locked, so writers of one execution are
 * serialised and `seq` order is commit order: a reader resuming after seq N can never miss an
 * event that commits later with a smaller seq.
 */
async function appendEvents(q: SqlTx, executionId: string, events: LiveEvent[]): Promise<void> {
  if (events.length === 0) return;
  const n = events.length;
  // Waiters for a run's end (sync answers) hear only that, not each of its events.
  const ends = events.some((event) => event.type === 'run.end');
  await q.execute(sql`
    WITH s AS (UPDATE executions SET event_seq = event_seq + ${n} WHERE id = ${executionId} RETURNING event_seq),
    ins AS (
      INSERT INTO execution_events (execution_id, seq, type, data)
      SELECT ${executionId}, s.event_seq - ${n} + e.ord::int, e.value->>'type', e.value->'data'
      FROM s, jsonb_array_elements(${JSON.stringify(events)}::jsonb) WITH ORDINALITY AS e(value, ord)
      RETURNING 1)
    SELECT pg_notify(${EVENTS_CHANNEL}, ${executionId}), CASE WHEN ${ends} THEN pg_notify(${RUN_ENDS_CHANNEL}, ${executionId}) END
    FROM (SELECT count(*) AS c FROM ins) counted WHERE counted.c > 0`);
}

/**
 * Takes the execution's row lock first. Every transaction here does this before touching step
 * rows, so they all lock in one order (execution, then steps): no deadlocks.
 */
async function lockExecution(q: SqlTx, executionId: string): Promise<void> {
  await q.execute(sql`SELECT 1 FROM executions WHERE id = ${executionId} FOR UPDATE`);
}
