// Budgets of vendor jobs priced per second (the catalog's `usage.unit: 'seconds'`): a job's hold pays
// for `maxSeconds` of vendor run time, so a job still running that long after its submit is
// cancelled at the vendor, and its step fails with BUDGET_EXCEEDED instead of running (and billing)
// on. The deadline is kept with the job's record (`provider_jobs.data.budgetUntil`), so any worker's
// sweeper enforces it, whichever worker submitted the job and whether it still lives.
import type { Db } from '../db/client';
import type { ProviderRegistry } from '../providers/types';

/** The error a step stopped by its budget fails with (the run's error type too). */
export const BUDGET_EXCEEDED_ERROR = 'BUDGET_EXCEEDED';

/** Deadlines of per-second jobs, and the sweeper that cancels the ones past theirs. */
export class JobBudgets {
  private timer?: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    private readonly db: Db,
    private readonly providers?: ProviderRegistry,
    private readonly warn: (message: string, err: unknown) => void = () => undefined,
  ) {}

  /** The vendor accepted the step's job: it may run until `untilMs`. */
  async started(jobKey: string, untilMs: number): Promise<void> {
    await this.db.$executeRaw`
      UPDATE provider_jobs SET data = COALESCE(data, '{}'::jsonb) || ${JSON.stringify({ budgetUntil: new Date(untilMs).toISOString() })}::jsonb
      WHERE idempotency_key = ${jobKey} AND NOT COALESCE(data, '{}'::jsonb) ? 'budgetUntil'`;
  }

  /** True when the step's job was stopped by its budget (its `canceled` end is then BUDGET_EXCEEDED). */
  async exceeded(jobKey: string): Promise<boolean> {
    return budgetExceeded(this.db, jobKey);
  }

  /** Cancels, at the vendor, every job of a waiting step past its deadline; each once, whichever worker gets there first. */
  async sweep(): Promise<number> {
    if (!this.providers || this.sweeping) return 0;
    this.sweeping = true;
    try {
      const due = await this.db.$queryRaw<Array<{ provider: string; job_id: string; data: Record<string, string> }>>`
        UPDATE provider_jobs p SET data = p.data || '{"budgetOutcome":"budget_exceeded"}'::jsonb
        FROM steps s
        WHERE p.data ? 'budgetUntil' AND NOT p.data ? 'budgetOutcome' AND (p.data->>'budgetUntil')::timestamptz < now()
          AND p.idempotency_key = s.execution_id || ':' || s.step_id || ':1' AND s.status = 'waiting'
        RETURNING p.provider, p.job_id, p.data`;
      for (const job of due) {
        const { budgetUntil: _until, budgetOutcome: _outcome, ...data } = job.data;
        await this.providers
          .jobs(job.provider)
          .cancel({ jobId: job.job_id, ...(Object.keys(data).length > 0 ? { data } : {}) }, AbortSignal.timeout(15_000))
          .catch((err: unknown) => this.warn(`job ${job.job_id} passed its budget but could not be cancelled at ${job.provider}`, err));
      }
      return due.length;
    } finally {
      this.sweeping = false;
    }
  }

  /** Sweeps every `intervalMs` until close(). */
  startSweeper(intervalMs = 500): void {
    this.timer ??= setInterval(() => void this.sweep().catch((err: unknown) => this.warn('the job budget sweep failed', err)), intervalMs);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** True when the job of `jobKey` was stopped by its budget. */
export async function budgetExceeded(db: Db, jobKey: string): Promise<boolean> {
  const [row] = await db.$queryRaw<Array<{ outcome: string | null }>>`
    SELECT data->>'budgetOutcome' AS outcome FROM provider_jobs WHERE idempotency_key = ${jobKey}`;
  return row?.outcome === 'budget_exceeded';
}

/** The failure of a step its budget stopped. */
export function budgetFailure(stepId: string): { type: string; message: string } {
  return { type: BUDGET_EXCEEDED_ERROR, message: `Step "${stepId}" ran past the vendor time its credits hold pays for; the job was cancelled at the vendor.` };
}
