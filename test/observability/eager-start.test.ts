// Eager workflow start in `npm start` (API and worker in one process): Temporal hands a run's first
// workflow task back with the start, to the process's own worker. Run as users run it: `npm start`'s
// node command in its own process, against the tests' Temporal dev server and Postgres.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnNodeScript } from '../support/npmScripts';
import { testDatabase, type TestDatabase } from '../support/db';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { testTemporal } from '../support/temporal';

/** A started `npm start` process: its API, metrics and demo key read off its banner. */
interface OneProcess {
  child: ChildProcess;
  apiUrl: string;
  metricsUrl: string;
  demoKey: string;
  output: () => string;
  stop(): Promise<void>;
}

async function startOneProcess(env: NodeJS.ProcessEnv): Promise<OneProcess> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'builder-eager-start-'));
  const child = spawnNodeScript('start', { ...env, DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: '0', METRICS_ADDRESS: '127.0.0.1:0', TEMPORAL_METRICS_ADDRESS: '', LOG_LEVEL: 'warn' });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const line = (label: string) => output.match(new RegExp(`^\\s+${label}:\\s+(\\S+)`, 'm'))?.[1];
  for (let waited = 0; !line('Demo API key'); waited += 100) {
    if (child.exitCode !== null || waited > 120_000) throw new Error(`npm start did not come up:\n${output.slice(-3000)}`);
    await sleep(100);
  }
  return {
    child,
    apiUrl: line('API')!,
    metricsUrl: line('Metrics')!,
    demoKey: line('Demo API key')!,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(15_000).then(() => child.kill('SIGKILL'))]);
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** builder_eager_workflow_starts_total from a metrics exposition. */
async function eagerStarts(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  assert.match(text, /^# TYPE builder_eager_workflow_starts_total counter$/m);
  const sample = text.split('\n').find((candidate) => candidate.startsWith('builder_eager_workflow_starts_total '));
  return sample ? Number(sample.slice(sample.lastIndexOf(' ') + 1)) : 0;
}

describe('eager workflow start in one process', function () {
  let temporal: TestWorkflowEnvironment;
  let database: TestDatabase;

  before(async () => {
    [temporal, database] = await Promise.all([testTemporal(), testDatabase()]);
    // `npm start`'s pre-script: the compiled entry points.
    execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale']);
  });
  after(async () => database?.drop());

  for (const eager of [true, false]) {
    it(eager ? 'hands each run started by npm start its first workflow task with the start, and the runs complete' : 'starts runs through matching with TEMPORAL_EAGER_START=false', async () => {
      const system = await startOneProcess({
        DATABASE_URL: database.url,
        TEMPORAL_ADDRESS: temporal.address,
        TEMPORAL_TASK_QUEUE: `eager-start-${eager}-${process.pid}`,
        TEMPORAL_EAGER_START: String(eager),
      });
      try {
        for (const topic of ['kites', 'gulls']) {
          const run = await fetch(`${system.apiUrl}/api/workflows/demo-text-chain/run`, {
            method: 'POST',
            headers: { 'x-api-key': system.demoKey, 'content-type': 'application/json' },
            body: JSON.stringify({ inputs: { topic } }),
          });
          const body = (await run.json()) as { success?: boolean; status?: string };
          assert.equal(run.status, 200, JSON.stringify(body));
          assert.equal(body.success, true);
        }
        assert.equal(await eagerStarts(system.metricsUrl), eager ? 2 : 0);
      } catch (err) {
        console.error(`--- npm start output ---\n${system.output().slice(-3000)}`);
        throw err;
      } finally {
        await system.stop();
      }
    });
  }
});
