import assert from 'node:assert/strict';
import {
  assertNever,
  EXECUTION_STATUSES,
  isRefundable,
  isTerminalExecutionStatus,
  isTerminalStepStatus,
  STEP_STATUSES,
  TERMINAL_EXECUTION_STATUSES,
  TERMINAL_STEP_STATUSES,
} from '../../../src/domain/statuses';

describe('statuses', () => {
  it('names the execution statuses the seed names', () => {
    assert.deepEqual([...EXECUTION_STATUSES], ['planning', 'running', 'waiting', 'completed', 'error', 'cancelled']);
  });

  it('names the step statuses the seed names', () => {
    assert.deepEqual([...STEP_STATUSES], ['pending', 'running', 'streaming', 'waiting', 'completed', 'error', 'skipped']);
  });

  it('treats completed, error and cancelled as the end of an execution', () => {
    const terminal = EXECUTION_STATUSES.filter(isTerminalExecutionStatus);
    assert.deepEqual(terminal, ['completed', 'error', 'cancelled']);
    assert.deepEqual([...TERMINAL_EXECUTION_STATUSES].sort(), [...terminal].sort());
  });

  it('treats completed, error and skipped as the end of a step', () => {
    const terminal = STEP_STATUSES.filter(isTerminalStepStatus);
    assert.deepEqual(terminal, ['completed', 'error', 'skipped']);
    assert.deepEqual([...TERMINAL_STEP_STATUSES].sort(), [...terminal].sort());
  });

  it('keeps waiting and streaming steps open', () => {
    assert.equal(isTerminalStepStatus('waiting'), false);
    assert.equal(isTerminalStepStatus('streaming'), false);
    assert.equal(isTerminalExecutionStatus('waiting'), false);
  });

  it('refunds runs that end in error or cancelled, and only those', () => {
    assert.deepEqual(EXECUTION_STATUSES.filter(isRefundable), ['error', 'cancelled']);
  });

  it('throws when a switch meets a value it does not handle', () => {
    assert.throws(() => assertNever('surprise' as never), /Unexpected value: "surprise"/);
  });
});
