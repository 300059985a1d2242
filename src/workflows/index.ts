// Entry point of the workflow bundle: every workflow the worker registers.
export { runExecution } from './runExecution';
