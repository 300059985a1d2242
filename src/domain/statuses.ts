// Run and step statuses and their predicates, in one place.

/** Statuses of an execution, as the seed names them. */
export const EXECUTION_STATUSES = ['planning', 'running', 'waiting', 'completed', 'error', 'cancelled'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

/** Statuses of a step, as the seed names them. */
export const STEP_STATUSES = ['pending', 'running', 'streaming', 'waiting', 'completed', 'error', 'skipped'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

const TERMINAL_EXECUTION: ReadonlySet<ExecutionStatus> = new Set(['completed', 'error', 'cancelled']);
const TERMINAL_STEP: ReadonlySet<StepStatus> = new Set(['completed', 'error', 'skipped']);

/** True once an execution can no longer change status. */
export function isTerminalExecutionStatus(status: ExecutionStatus): boolean {
  return TERMINAL_EXECUTION.has(status);
}

/** True once a step can no longer change status. */
export function isTerminalStepStatus(status: StepStatus): boolean {
  return TERMINAL_STEP.has(status);
}

/** The terminal step statuses, for database guards. */
export const TERMINAL_STEP_STATUSES = [...TERMINAL_STEP];
/** The terminal execution statuses, for database guards. */
export const TERMINAL_EXECUTION_STATUSES = [...TERMINAL_EXECUTION];

/** Credits are refunded for runs that end in these statuses. */
export function isRefundable(status: ExecutionStatus): boolean {
  return status === 'error' || status === 'cancelled';
}

/** Exhaustiveness check for switch statements. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
