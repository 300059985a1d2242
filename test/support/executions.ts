// Reading executions through the API in tests: fetch one, or poll until a condition holds.
import { setTimeout as sleep } from 'node:timers/promises';
import { isTerminalExecutionStatus } from '../../src/contract/statuses';
import type { TestApi } from './api';

/** True once a run has settled. */
export const ended = (execution: any): boolean => isTerminalExecutionStatus(execution.status);

/** Helpers bound to an API (read lazily: it starts in `before`) and a key. */
export function executionReader(api: () => TestApi, headers: () => Record<string, string>) {
  const get = async (id: string) => (await api().request('GET', `/api/executions/${id}`, { headers: headers() })).body.execution;
  const waitFor = async (id: string, done: (execution: any) => boolean, withinMs = 60_000) => {
    for (const deadline = Date.now() + withinMs; Date.now() < deadline; ) {
      const execution = await get(id);
      if (done(execution)) return execution;
      await sleep(25);
    }
    throw new Error(`execution ${id} never reached the expected state`);
  };
  return { get, waitFor };
}
