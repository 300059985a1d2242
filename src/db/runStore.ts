// The RunStore: the one module that writes executions, their steps, their live events and the
// ledger effects of a run's end. Every writer calls it: admission (the new execution and its
// steps), the workflow's mirror (run and step changes, the run's end), provider step attempts
// (their progress, and their own completion), job submission (the waitpoint), and settling a run
// whose workflow never ran. Each write is guarded by the one table of allowed transitions
// (src/domain/transitions.ts): a terminal status never regresses, and applying a change twice
// changes nothing and announces nothing twice.
//
// The writes themselves are two SQL functions (migration 20261206060000_run_store_functions;
// run_store_apply as of 20261206090000_run_store_one_write_per_step, which writes a step's row once):
// run_store_apply applies changes in order under the guards this module passes (the transition
// table stays in TypeScript) and returns their live events; run_store_append gives the events their
// sequence numbers and announces them; run_store_end (migration 20261206100000_run_store_end) writes a
// run's end once, whoever reaches it first (the mirror, or the run's final step), and answers the
// stored end to the writer that came second. A step's record, a progress write or a completed run's end is
// one statement on the `pg` pool under the Prisma client (one round trip, autocommit); a refund
// and the ledger's statements share a `pg` transaction with it.
//
// Lock order, for every write here: the execution's row first (FOR NO KEY UPDATE: writers of a run
// exclude each other, while rows that only reference it, such as a step's media links, do not wait),
// then its steps. Events take their sequence numbers from the same row, so `seq` order is commit order.
import type { LiveEvent } from '../contract/events';
import type { MirrorBatch, MirrorChange, ProgressEntry, RunErrorInfo, RunPatch, StepPatch, StoredEnd } from '../domain/runRecords';
import { EXECUTION_STATUSES, STEP_STATUSES, isTerminalExecutionStatus, isTerminalStepStatus } from '../domain/statuses';
import type { RunEnd } from '../domain/runEnd';
import { runSourcesOf, stepSourcesOf } from '../domain/transitions';
import type { Plan, TriggerType } from '../domain/types';
import type pg from 'pg';
import { poolOf, type Db } from './client';
import { holdsInsert, refundExecution } from './ledger';
import { prepared } from './prepared';
import { rawTransaction, rawTx, type RawTx } from './rawTransaction';
import { Prisma } from '../generated/prisma/client';

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

/** What a run's final step writes to end its run (see src/domain/runEnd.ts): the changes, and the canvas that gets the results. */
export type RunEndRecord = Pick<RunEnd, 'changes' | 'workflowId'>;

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
  /** `Cache-Control: no-cache`: the run's cached steps skip reading the output cache (and refresh it). */
  cacheBypass: boolean;
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

const STEP_WAITING_FROM = stepSourcesOf('waiting');
const STEP_RUNNING_FROM = stepSourcesOf('running');
const STEP_SKIPPED_FROM = stepSourcesOf('skipped');

/** Writes runs, steps and events. Stateless: one per process is enough, any number is fine. */
export class RunStore {
  private readonly pool: pg.Pool;

  constructor(private readonly db: Db) {
    this.pool = poolOf(db);
  }

  /** Admission: inserts the execution (`planning`) and its `pending` steps in one statement, inside the admission's transaction. */
  async insertExecution(tx: RawTx, row: NewExecution): Promise<void> {
    await tx.$executeRaw`
      WITH execution AS (${executionInsert(row)} RETURNING id)
      INSERT INTO steps (execution_id, step_id, node_type, group_index)
      SELECT execution.id, s.step_id, s.node_type, s.group_index
      FROM execution, jsonb_to_recordset(${stepRowsOf(row.plan)}::jsonb) AS s(step_id text, node_type text, group_index int)`;
  }

  /**
   * Admission of a run that no trial grant pays for, in one statement (autocommit, one round trip):
   * the execution, its steps, its steps' holds and the balance's debit with its ledger entry
   * (admission_debit, last: the account's row lock, which the account's admissions queue for, is
   * held only for this statement's commit). Inserts nothing and answers false when the account has
   * a trial grant for one of `grantModels`: admission then charges it in a transaction. Throws
   * admission_debit's refusal (SQLSTATE BS402, the balance as detail) when the balance is too small,
   * having written nothing.
   */
  async insertPaidExecution(
    row: NewExecution,
    charge: { grantModels: string[]; holds: Array<{ stepId: string; credits: number }>; debit: number },
  ): Promise<boolean> {
    const recorded = await rawTx(this.pool, { prepare: true }).$executeRaw`
      WITH execution AS (
        ${executionInsert(row, Prisma.sql`WHERE NOT EXISTS (SELECT 1 FROM trial_grants WHERE account_id = ${row.accountId} AND model = ANY(${charge.grantModels}::text[]))`)}
        RETURNING id, account_id),
      steps AS (
        INSERT INTO steps (execution_id, step_id, node_type, group_index)
        SELECT execution.id, s.step_id, s.node_type, s.group_index
        FROM execution, jsonb_to_recordset(${stepRowsOf(row.plan)}::jsonb) AS s(step_id text, node_type text, group_index int)),
      holds AS (${holdsInsert(Prisma.sql`execution`, charge.holds)})
      SELECT admission_debit(execution.account_id, execution.id, ${charge.debit}) FROM execution`;
    return recorded > 0;
  }

  /**
   * The workflow's mirror: applies a batch of run and step changes in order, then the run's end
   * effects (results applied to the canvas, or the refund), with their events, in one transaction.
   * A batch that ends the run answers null when it did, or the stored end when the run had already
   * ended (the run's final step ended it first: see recordStep); nothing is applied then.
   */
  async applyBatch(batch: MirrorBatch): Promise<StoredEnd | null> {
    const { executionId } = batch;
    const changes = flatten(batch.changes);
    if (batch.applyResults) {
      // A completed run: its outputs applied to the canvas, what its holds did not capture released,
      // its vendor slots given back, in the same statement as its end (only if it did end completed).
      return this.end(executionId, changes, batch.applyResults.workflowId);
    }
    if (!batch.refund) {
      await this.apply(executionId, changes);
      return null;
    }
    // Error or cancelled: refunded in full in the same transaction (the ledger's refund), its vendor
    // slots given back; its events are appended after the refund, so its `run.end` reports it.
    changes.push({ kind: 'leases' });
    return this.lockedTransaction(executionId, async (client, tx) => {
      // Ended already (the row is ours now, so no writer ends it meanwhile): nothing to apply or refund.
      const stored = await storedEndOf(client, executionId);
      if (stored && isTerminalExecutionStatus(stored.status)) return stored;
      const { rows } = await client.query<{ events: LiveEvent[] }>('SELECT run_store_apply($1, $2::jsonb, $3::jsonb) AS events', [
        executionId,
        JSON.stringify(changes),
        GUARDS,
      ]);
      const events = rows[0]?.events ?? [];
      const end = events.find((event) => event.type === 'run.end');
      // A completed run is never refunded, whoever completed it.
      if (end?.data.status !== 'completed') await refundExecution(tx, executionId);
      await appendEvents(client, executionId, events);
      return end ? null : (stored ?? null);
    });
  }

  /** Run and step changes from an activity (e.g. a step waiting for vendor capacity), in order, with their events. */
  async applyChanges(executionId: string, changes: MirrorChange[]): Promise<void> {
    if (changes.length > 0) await this.apply(executionId, flatten(changes));
  }

  /** A step attempt's progress, in order, with its events; `changes` (handed over by the workflow) first. */
  async writeProgress(executionId: string, entries: ProgressEntry[], changes: MirrorChange[] = []): Promise<void> {
    if (entries.length === 0 && changes.length === 0) return;
    await this.apply(executionId, flatten([...changes, { kind: 'progress', entries }]));
  }

  /**
   * A provider step attempt's own record, written before it returns: the handed-over changes, its
   * unwritten progress and its completion, in one statement. A later attempt's completion replaces
   * an earlier one's (the earlier attempt committed but its answer never reached Temporal, which
   * retried: the later output is the one the run goes on with).
   *
   * With `end` (the run's final step: its inline successors settled and the run completed, see
   * src/domain/runEnd.ts), the record also ends the run, with the completed run's effects, in the
   * same statement; it answers null when it did, or the stored end when the run had already ended
   * (cancelled or timed out by the workflow, or completed by an earlier attempt): nothing is
   * written then, and the caller reports the stored end.
   */
  async recordStep(executionId: string, record: StepRecord, end?: RunEndRecord): Promise<StoredEnd | null> {
    const changes = flatten([...record.changes, { kind: 'progress', entries: record.progress }]);
    changes.push({ kind: 'step', patch: record.completed, replaces: true });
    if (!end) {
      await this.apply(executionId, changes);
      return null;
    }
    return this.end(executionId, [...changes, ...flatten(end.changes)], end.workflowId);
  }

  /**
   * The step waits on a provider job. Written before the job is submitted, so a callback that
   * beats the workflow to the database still finds its token. Returns the callback token, reusing
   * the one already recorded for this job key (a retried submit must keep the job's callback URL).
   */
  async markWaiting(executionId: string, stepId: string, waitingOn: { provider: string; jobKey: string; callbackToken: string }): Promise<string> {
    return this.lockedTransaction(executionId, async (client) => {
      const { rows } = await client.query<{ waiting_on: { jobKey?: string; callbackToken?: string } | null }>(
        'SELECT waiting_on FROM steps WHERE execution_id = $1 AND step_id = $2',
        [executionId, stepId],
      );
      const recorded = rows[0]?.waiting_on;
      if (recorded?.jobKey === waitingOn.jobKey && recorded.callbackToken) return recorded.callbackToken;
      await transitionStep(
        client,
        executionId,
        `UPDATE steps SET status = 'waiting', waiting_on = $3::jsonb
         WHERE execution_id = $1 AND step_id = $2 AND status::text = ANY($4::text[])`,
        [executionId, stepId, JSON.stringify(waitingOn), STEP_WAITING_FROM],
        { type: 'step.status', data: { stepId, status: 'waiting', waitingOn: { provider: waitingOn.provider } } },
      );
      return waitingOn.callbackToken;
    });
  }

  /**
   * The step waits for a slot of its vendor account (VENDOR_CONCURRENCY). Merged into what
   * `waiting_on` holds: a retried submit's row keeps its job key and callback token.
   */
  async markWaitingForCapacity(executionId: string, stepId: string, vendor: string): Promise<void> {
    const waitingOn = { type: 'vendor-capacity', vendor, provider: vendor, since: new Date().toISOString() };
    await this.lockedTransaction(executionId, (client) =>
      transitionStep(
        client,
        executionId,
        `UPDATE steps SET status = 'waiting', waiting_on = COALESCE(waiting_on, '{}'::jsonb) || $3::jsonb
         WHERE execution_id = $1 AND step_id = $2 AND status::text = ANY($4::text[])`,
        [executionId, stepId, JSON.stringify(waitingOn), STEP_WAITING_FROM],
        { type: 'step.status', data: { stepId, status: 'waiting', waitingOn: { type: 'vendor-capacity', vendor, provider: vendor } } },
      ),
    );
  }

  /** The step has its vendor slot: back to `running` until its job is submitted (a retried submit's job key and token stay). */
  async capacityGranted(executionId: string, stepId: string): Promise<void> {
    await this.lockedTransaction(executionId, (client) =>
      transitionStep(
        client,
        executionId,
        `UPDATE steps SET status = 'running',
           waiting_on = CASE WHEN waiting_on ? 'jobKey' THEN waiting_on - 'type' - 'vendor' ELSE NULL END
         WHERE execution_id = $1 AND step_id = $2 AND status = 'waiting' AND 'waiting' = ANY($3::text[])
           AND waiting_on->>'type' = 'vendor-capacity'`,
        [executionId, stepId, STEP_RUNNING_FROM],
        { type: 'step.status', data: { stepId, status: 'running' } },
      ),
    );
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
      await tx.$executeRaw`SELECT 1 FROM executions WHERE id = ${executionId} FOR NO KEY UPDATE`;
      const updated = await tx.execution.updateMany({
        where: { id: executionId, status: { in: from } },
        data: { status: outcome.status, error: { ...outcome.error }, finishedAt: new Date() },
      });
      if (updated.count === 0) return false;
      await tx.step.updateMany({ where: { executionId, status: { in: STEP_SKIPPED_FROM } }, data: { status: 'skipped' } });
      await refundExecution(tx, executionId);
      const events: LiveEvent[] = [
        { type: 'run.status', data: { status: outcome.status, error: outcome.error } },
        { type: 'run.end', data: { status: outcome.status, output: null, error: outcome.error, durationMs: null } },
      ];
      await tx.$executeRaw`SELECT run_store_append(${executionId}, ${JSON.stringify(events)}::jsonb)`;
      return true;
    }, RUN_TRANSACTION);
  }

  /**
   * Runs `work` in a transaction on a `pg` connection of the pool, its statements bounded like
   * RUN_TRANSACTION, after taking the execution's row lock (the one lock order of every writer).
   */
  private lockedTransaction<T>(executionId: string, work: (client: pg.PoolClient, tx: RawTx) => Promise<T>): Promise<T> {
    return rawTransaction(
      this.db,
      async (tx, client) => {
        await client.query('SELECT 1 FROM executions WHERE id = $1 FOR NO KEY UPDATE', [executionId]);
        return work(client, tx);
      },
      { statementTimeoutMs: RUN_TRANSACTION.timeout },
    );
  }

  /** Applies changes and appends their events: one statement, one round trip (autocommit). */
  private async apply(executionId: string, changes: StoreChange[]): Promise<void> {
    await this.pool.query(prepared('SELECT run_store_append($1, run_store_apply($1, $2::jsonb, $3::jsonb))', [executionId, JSON.stringify(changes), GUARDS]));
  }

  /**
   * Ends a run (run_store_end): `changes` (its terminal change among them), then, if it completed,
   * its results applied to the canvas, unused holds released and vendor slots given back; one
   * statement. Null when this ended the run, else the stored end.
   */
  private async end(executionId: string, changes: StoreChange[], workflowId: string): Promise<StoredEnd | null> {
    const effects: StoreChange[] = [{ kind: 'results', workflowId }, { kind: 'release' }, { kind: 'leases' }];
    const { rows } = await this.pool.query<{ stored: StoredEnd | null }>(
      prepared('SELECT run_store_end($1, $2::jsonb, $3::jsonb, $4::jsonb) AS stored', [executionId, JSON.stringify(changes), JSON.stringify(effects), GUARDS]),
    );
    return rows[0]?.stored ?? null;
  }
}

/** The run's status and end as stored (inside a transaction that holds its row). */
async function storedEndOf(client: pg.PoolClient, executionId: string): Promise<StoredEnd | undefined> {
  const { rows } = await client.query<StoredEnd>(
    'SELECT status::text AS status, output, error, duration_ms AS "durationMs" FROM executions WHERE id = $1',
    [executionId],
  );
  return rows[0];
}

/** Appends events to the execution's log (run_store_append: numbered, announced). */
async function appendEvents(client: pg.PoolClient, executionId: string, events: LiveEvent[]): Promise<void> {
  if (events.length > 0) await client.query('SELECT run_store_append($1, $2::jsonb)', [executionId, JSON.stringify(events)]);
}

/** Runs a guarded UPDATE of one step; when it changed the step, appends its event. */
async function transitionStep(client: pg.PoolClient, executionId: string, update: string, params: unknown[], event: LiveEvent): Promise<void> {
  const changed = await client.query(update, params);
  if ((changed.rowCount ?? 0) > 0) await appendEvents(client, executionId, [event]);
}

/** One change as run_store_apply takes it (see its migration). */
type StoreChange =
  | { kind: 'run'; patch: RunPatch }
  | { kind: 'step'; patch: StepPatch; replaces?: true }
  | { kind: 'progress'; entry: ProgressEntry }
  | { kind: 'results'; workflowId: string }
  | { kind: 'release' }
  | { kind: 'leases' };

/** The workflow's changes one by one, progress entries included, in order. */
function flatten(changes: MirrorChange[]): StoreChange[] {
  return changes.flatMap((change): StoreChange[] => {
    switch (change.kind) {
      case 'progress':
        return change.entries.map((entry) => ({ kind: 'progress', entry }));
      case 'step':
        return [{ kind: 'step', patch: change.patch }];
      case 'run':
        return [{ kind: 'run', patch: change.patch }];
    }
  });
}

/**
 * The transition table as run_store_apply reads it: for each target status, the statuses a change
 * may come from (src/domain/transitions.ts); the open step statuses (tokens are added only to an
 * open step) and the terminal run statuses (they end the run: `run.end`).
 */
export const GUARDS = JSON.stringify({
  step: Object.fromEntries(STEP_STATUSES.map((status) => [status, stepSourcesOf(status)])),
  run: Object.fromEntries(EXECUTION_STATUSES.map((status) => [status, runSourcesOf(status)])),
  stepOpen: STEP_STATUSES.filter((status) => !isTerminalStepStatus(status)),
  runTerminal: EXECUTION_STATUSES.filter((status) => isTerminalExecutionStatus(status)),
});

/** The INSERT of a new execution row (`planning`), as a SELECT so a caller can add a WHERE. */
function executionInsert(row: NewExecution, where: Prisma.Sql = Prisma.empty): Prisma.Sql {
  const { plan } = row;
  return Prisma.sql`
    INSERT INTO executions (id, account_id, workflow_id, trigger_type, target_node_id, status, inputs, plan, credits_used,
      paid_by_grant, temporal_workflow_id, received_at, idempotency_key, parent_execution_id, from_step_id, callback_url, cache_bypass)
    SELECT ${row.executionId}, ${row.accountId}, ${row.workflowId}, ${row.triggerType}::"TriggerType", ${plan.targetNodeId},
      'planning'::"ExecutionStatus", ${JSON.stringify(row.inputs)}::jsonb, ${JSON.stringify(plan)}::jsonb, ${row.creditsUsed}::int, ${row.paidByGrant}::boolean,
      ${row.temporalWorkflowId}, ${row.receivedAt}::timestamptz, ${row.idempotencyKey ?? null}, ${row.parentExecutionId ?? null},
      ${row.fromStepId ?? null}, ${row.callbackUrl ?? null}, ${row.cacheBypass}::boolean
    ${where}`;
}

/** A plan's step rows (`pending`), as JSON for jsonb_to_recordset. */
function stepRowsOf(plan: Plan): string {
  return JSON.stringify(plan.steps.map((step) => ({ step_id: step.id, node_type: step.nodeType, group_index: step.groupIndex })));
}
