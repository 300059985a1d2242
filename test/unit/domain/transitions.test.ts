// The one table of allowed run and step transitions (pure).
import assert from 'node:assert/strict';
import { EXECUTION_STATUSES, STEP_STATUSES, isTerminalExecutionStatus, isTerminalStepStatus } from '../../../src/domain/statuses';
import { RUN_TRANSITIONS, STEP_TRANSITIONS, runMayMove, runSourcesOf, stepMayMove, stepSourcesOf } from '../../../src/domain/transitions';

describe('status transitions', () => {
  it('let no terminal run or step status move anywhere', () => {
    for (const status of STEP_STATUSES.filter(isTerminalStepStatus)) assert.deepEqual([...STEP_TRANSITIONS[status]], [], status);
    for (const status of EXECUTION_STATUSES.filter(isTerminalExecutionStatus)) assert.deepEqual([...RUN_TRANSITIONS[status]], [], status);
  });

  it('let every open status end in each terminal status, so a run can always be settled', () => {
    for (const status of STEP_STATUSES.filter((s) => !isTerminalStepStatus(s))) {
      for (const end of ['completed', 'error', 'skipped'] as const) assert.ok(stepMayMove(status, end), `step ${status} → ${end}`);
    }
    for (const status of EXECUTION_STATUSES.filter((s) => !isTerminalExecutionStatus(s))) {
      for (const end of ['completed', 'error', 'cancelled'] as const) assert.ok(runMayMove(status, end), `run ${status} → ${end}`);
    }
  });

  it('never let a run or step go back to where it started', () => {
    for (const status of STEP_STATUSES) assert.equal(stepMayMove(status, 'pending'), false, `step ${status} → pending`);
    for (const status of EXECUTION_STATUSES) assert.equal(runMayMove(status, 'planning'), false, `run ${status} → planning`);
  });

  it('announce streaming only from a running attempt, and a new attempt from any open status', () => {
    assert.deepEqual(stepSourcesOf('streaming'), ['running']);
    assert.deepEqual(stepSourcesOf('running'), ['pending', 'running', 'streaming', 'waiting']);
  });

  it('give the database guards exactly the open statuses for a settlement', () => {
    assert.deepEqual(stepSourcesOf('completed'), ['pending', 'running', 'streaming', 'waiting']);
    assert.deepEqual(runSourcesOf('cancelled'), ['planning', 'running', 'waiting']);
  });
});
