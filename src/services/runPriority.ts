// Fair dispatch between accounts on the shared task queue: every run's workflow (and, inherited,
// its activities) carries its account as Temporal's fairness key, weighted by tier, so one
// account's backlog does not queue another account's runs behind it. The server must have
// fairness on (`matching.useNewMatcher` and `matching.enableFairness`; the dev server we start
// has); a server without it dispatches in FIFO order and ignores the keys.
import type { Priority } from '@temporalio/common';
import type { Tier } from '../domain/models';

/** Share of dispatch per tier inside one priority level (Temporal clamps weights to 0.001–1000). */
const FAIRNESS_WEIGHT: Record<Tier, number> = { pro: 1, business: 2, enterprise: 4 };

/** The Temporal priority of a run of this account (fairness keys are limited to 64 bytes). */
export function runPriority(account: { id: string; tier: Tier }): Priority {
  return { fairnessKey: account.id.slice(0, 64), fairnessWeight: FAIRNESS_WEIGHT[account.tier] };
}
