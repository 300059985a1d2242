// Whether a run needs a Temporal timer for its whole-run timeout. A timer costs every run a share of
// the Temporal server's work (about a tenth of a short run's, see README "An eleventh pass"), yet a
// run whose steps are all bounded by their own timeouts and retry policies cannot outlast its run
// timeout unless its steps wait to start (no worker, full slots). Such a run needs no timer: the
// workflow checks the deadline whenever a step ends and at each group, which aborts it at the first
// step that ends past it. Pure (bundled into the workflow): the same plan always decides the same.
import type { Plan, PlanStep } from './types';

/**
 * Temporal fires a retry no sooner than `history.timerProcessorMaxTimeShift` (1 s by default) after
 * its backoff: each backoff counts that much more.
 */
const TIMER_SHIFT_MS = 1_000;

/**
 * The longest wait between attempts a vendor's (or an HTTP target's) Retry-After can ask for: a
 * failed attempt carries at most this as its `nextRetryDelay` (src/activities/stepAttempt.ts), so an
 * untrusted header cannot park a step for hours, and a step's worst case stays bounded.
 */
export const MAX_RETRY_AFTER_MS = 60_000;

/** Room for scheduling and workflow tasks between steps: a tenth of the run timeout, at most a minute. */
export function scheduleMarginMs(runTimeoutMs: number): number {
  return Math.min(60_000, runTimeoutMs / 10);
}

/**
 * The longest a step can take once its attempts start promptly: every attempt at its timeout, every
 * backoff at its longest (the policy's, or the longest Retry-After honoured). Inline steps take no time; a job step waits on a vendor with polls and its
 * own deadline, so it is counted unbounded (its run keeps the timer).
 */
export function stepWorstCaseMs(step: PlanStep): number {
  if (step.kind === 'inline') return 0;
  if (step.kind !== 'activity') return Infinity;
  const { maximumAttempts, initialIntervalMs, backoffCoefficient, maximumIntervalMs } = step.retry;
  if (!Number.isFinite(maximumAttempts) || maximumAttempts < 1) return Infinity;
  let total = maximumAttempts * step.timeoutMs;
  let interval = initialIntervalMs;
  for (let attempt = 1; attempt < maximumAttempts; attempt++) {
    // The policy's backoff, or a Retry-After (capped) the failed attempt asked for, whichever is longer.
    total += Math.max(Math.min(interval, maximumIntervalMs), MAX_RETRY_AFTER_MS) + TIMER_SHIFT_MS;
    interval *= backoffCoefficient;
  }
  return total;
}

/** The longest the plan's steps can take, group after group (reused steps do not run). */
export function planWorstCaseMs(plan: Plan, reused: ReadonlySet<string>): number {
  const steps = new Map(plan.steps.map((step) => [step.id, step]));
  let total = 0;
  for (const group of plan.groups) {
    let longest = 0;
    for (const id of group) {
      const step = steps.get(id);
      if (!step || reused.has(id)) continue;
      longest = Math.max(longest, stepWorstCaseMs(step));
    }
    total += longest;
  }
  return total;
}

/** Whether the run needs a timer for its run timeout: its steps could outlast it even when they start promptly. */
export function needsRunTimer(plan: Plan, reused: ReadonlySet<string>, runTimeoutMs: number): boolean {
  return planWorstCaseMs(plan, reused) + scheduleMarginMs(runTimeoutMs) >= runTimeoutMs;
}
