// Run and step statuses and their predicates: defined once in the public contract (src/contract).
export {
  EXECUTION_STATUSES,
  STEP_STATUSES,
  TERMINAL_EXECUTION_STATUSES,
  TERMINAL_STEP_STATUSES,
  isRefundable,
  isTerminalExecutionStatus,
  isTerminalStepStatus,
  type ExecutionStatus,
  type StepStatus,
} from '../contract/statuses';

/** Exhaustiveness check for switch statements. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
