// The one table of allowed status transitions of a run and of its steps. The RunStore
// (src/db/runStore.ts) guards every write with it: a change is applied only when the stored status
// is one it may come from, so a terminal status never regresses and a late or repeated write
// changes nothing. Pure: unit-tested without a database.
import { EXECUTION_STATUSES, STEP_STATUSES, type ExecutionStatus, type StepStatus } from './statuses';

/** For each step status, the statuses a step may move to from it. */
export const STEP_TRANSITIONS = {
  pending: ['running', 'waiting', 'completed', 'error', 'skipped'],
  // `running` again: the next attempt of a retried step.
  running: ['running', 'streaming', 'waiting', 'completed', 'error', 'skipped'],
  streaming: ['running', 'completed', 'error', 'skipped'],
  // `waiting` again: a second job key's waitpoint details merged in.
  waiting: ['waiting', 'running', 'completed', 'error', 'skipped'],
  completed: [],
  error: [],
  skipped: [],
} as const satisfies Record<StepStatus, readonly StepStatus[]>;

/** For each run status, the statuses a run may move to from it. */
export const RUN_TRANSITIONS = {
  planning: ['running', 'waiting', 'completed', 'error', 'cancelled'],
  running: ['running', 'waiting', 'completed', 'error', 'cancelled'],
  waiting: ['running', 'waiting', 'completed', 'error', 'cancelled'],
  completed: [],
  error: [],
  cancelled: [],
} as const satisfies Record<ExecutionStatus, readonly ExecutionStatus[]>;

/** Whether a step may move from `from` to `to`. */
export function stepMayMove(from: StepStatus, to: StepStatus): boolean {
  return (STEP_TRANSITIONS[from] as readonly StepStatus[]).includes(to);
}

/** Whether a run may move from `from` to `to`. */
export function runMayMove(from: ExecutionStatus, to: ExecutionStatus): boolean {
  return (RUN_TRANSITIONS[from] as readonly ExecutionStatus[]).includes(to);
}

/** The step statuses a step may reach `to` from: the guard of a database write. */
export function stepSourcesOf(to: StepStatus): StepStatus[] {
  return STEP_STATUSES.filter((from) => stepMayMove(from, to));
}

/** The run statuses a run may reach `to` from: the guard of a database write. */
export function runSourcesOf(to: ExecutionStatus): ExecutionStatus[] {
  return EXECUTION_STATUSES.filter((from) => runMayMove(from, to));
}
