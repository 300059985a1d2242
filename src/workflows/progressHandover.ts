// Step progress handed over by a provider activity: what it could not write during a database
// outage, carried in its result, its failure's details, or (when it timed out) its last
// heartbeat. The workflow writes it through the mirror, before the step's own settlement.
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import type { ProgressEntry } from '../activities/contracts';

/** The unwritten progress a failed step activity handed over, or none. */
export function handedOverProgress(err: unknown): ProgressEntry[] {
  if (!(err instanceof ActivityFailure)) return [];
  const cause = err.cause;
  const carrier =
    cause instanceof ApplicationFailure ? cause.details?.[0] : cause instanceof TimeoutFailure ? cause.lastHeartbeatDetails : undefined;
  const progress = (carrier as { progress?: unknown } | undefined)?.progress;
  return Array.isArray(progress) ? (progress as ProgressEntry[]) : [];
}
