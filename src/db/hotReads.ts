// The reads every run request makes (its key, its workflow, its end), as one SQL statement each on
// the pg pool under Prisma (src/db/client.ts): through Prisma each cost a query compilation and
// its own result mapping, about a fifth of the API's CPU per run (bench/dag.ts, BENCH_CPU_PROF).
// Reads only; every write to runs goes through the RunStore. Named prepared statements (prepared.ts).
import type { Tier } from '../contract/statuses';
import type { ExecutionStatus } from '../domain/statuses';
import { poolOf, type Db } from './client';
import { prepared } from './prepared';

/** An API key with its account, as authentication needs it. */
export interface KeyWithAccount {
  id: string;
  active: boolean;
  capabilities: string[];
  account: { id: string; tier: Tier; approved: boolean; creditBalance: number };
}

/** The API key whose secret hashes to `hash`, with its account; null when there is none. */
export async function findKeyByHash(db: Db, hash: string): Promise<KeyWithAccount | null> {
  const { rows } = await poolOf(db).query<{ id: string; active: boolean; capabilities: string[]; account_id: string; tier: Tier; approved: boolean; credit_balance: number }>(
    prepared(
      `SELECT k.id, k.active, k.capabilities, a.id AS account_id, a.tier::text AS tier, a.approved, a.credit_balance
         FROM api_keys k JOIN accounts a ON a.id = k.account_id
        WHERE k.hash = $1`,
      [hash],
    ),
  );
  const row = rows[0];
  if (!row) return null;
  return { id: row.id, active: row.active, capabilities: row.capabilities, account: { id: row.account_id, tier: row.tier, approved: row.approved, creditBalance: row.credit_balance } };
}

/** A workflow as a run needs it. */
export interface RunnableWorkflow {
  id: string;
  accountId: string;
  slug: string;
  name: string;
  canvasId: string;
  graph: unknown;
}

/** The account's workflow with this slug, or null. */
export async function findWorkflowBySlug(db: Db, accountId: string, slug: string): Promise<RunnableWorkflow | null> {
  const { rows } = await poolOf(db).query<{ id: string; account_id: string; slug: string; name: string; canvas_id: string; graph: unknown }>(
    prepared('SELECT id, account_id, slug, name, canvas_id, graph FROM workflows WHERE account_id = $1 AND slug = $2', [accountId, slug]),
  );
  const row = rows[0];
  return row ? { id: row.id, accountId: row.account_id, slug: row.slug, name: row.name, canvasId: row.canvas_id, graph: row.graph } : null;
}

/** What a sync answer reads of a run: its status and, once it ended, its outcome. */
export interface RunOutcome {
  id: string;
  status: ExecutionStatus;
  output: unknown;
  error: unknown;
  creditsUsed: number;
  durationMs: number | null;
}

/** The account's run with its outcome, or null. */
export async function findRunOutcome(db: Db, accountId: string, executionId: string): Promise<RunOutcome | null> {
  const { rows } = await poolOf(db).query<{ id: string; status: ExecutionStatus; output: unknown; error: unknown; credits_used: number; duration_ms: number | null }>(
    prepared('SELECT id, status::text AS status, output, error, credits_used, duration_ms FROM executions WHERE id = $1 AND account_id = $2', [executionId, accountId]),
  );
  const row = rows[0];
  return row ? { id: row.id, status: row.status, output: row.output, error: row.error, creditsUsed: row.credits_used, durationMs: row.duration_ms } : null;
}
