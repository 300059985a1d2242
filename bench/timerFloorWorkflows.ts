// Workflows of bench/timerFloor.ts: a short workflow timer, and an activity retried after a short interval.
import { proxyActivities, sleep } from '@temporalio/workflow';

const { failOnce } = proxyActivities<{ failOnce(key: string): Promise<number> }>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: 200, backoffCoefficient: 1, maximumAttempts: 2 },
});

/** Sleeps `ms` and returns how long the timer took by workflow time. */
export async function timer(ms: number): Promise<number> {
  const started = Date.now();
  await sleep(ms);
  return Date.now() - started;
}

/** Runs an activity that fails its first attempt (retry interval 200 ms). */
export async function retried(key: string): Promise<number> {
  return failOnce(key);
}
