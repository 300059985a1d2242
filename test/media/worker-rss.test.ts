// Acceptance: a worker process streams a 150 MB sandbox video job without holding it: its RSS
// stays under 400 MB, and grows by under 50 MB, during the run. The worker runs as `npm run worker`
// runs it (package.json's command, compiled JavaScript from dist/server), alone in its own process,
// so the figure is the worker's, not the test harness's or the API's; the figures are printed.
// The API of the test serves the run and the media URL from the same database, Temporal queue and
// media store: a folder, then the tests' S3 server (s3rver, in the test process, not the worker's).
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestApi, type TestApi } from '../support/api';
import { ended, executionReader } from '../support/executions';
import { buildAccount, buildApiKey, buildWorkflow } from '../support/fixtures';
import { spawnNodeScript } from '../support/npmScripts';

const MB = 1024 * 1024;

/** A process's resident set (VmRSS) and its peak so far (VmHWM), in bytes, from /proc. */
async function memoryOf(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kB = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kB('VmRSS'), peak: kB('VmHWM') };
}

for (const backend of ['fs', 's3'] as const) describe(`a worker process running a 150 MB video job (${backend === 'fs' ? 'file' : 'S3'} store)`, function () {
  this.timeout(300_000);
  let api: TestApi;
  let key: string;
  let dataDir: string;
  let worker: ChildProcess | undefined;
  let output = '';

  before(async function () {
    if (process.platform !== 'linux') this.skip();
    api = await startTestApi({ contract: 'off', mediaBackend: backend });
    await api.stopWorker();
    const account = await buildAccount(api.engine.db, { tier: 'enterprise', creditBalance: 100_000 });
    key = (await buildApiKey(api.engine.db, account.id)).secret;
    dataDir = await mkdtemp(path.join(tmpdir(), 'builder-worker-rss-'));
    // `npm run worker` without npm: its pre-script, then its node command, so the child's pid is the worker's.
    execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale']);
    worker = spawnNodeScript('worker', {
      DATABASE_URL: api.engine.databaseUrl,
      DATABASE_POOL_MAX: '5',
      TEMPORAL_ADDRESS: api.engine.env.address,
      TEMPORAL_TASK_QUEUE: api.engine.taskQueue,
      PUBLIC_URL: api.url,
      DATA_DIR: dataDir,
      // The engine's media store: the API serves what the worker stores.
      ...api.engine.mediaEnv,
      MEDIA_URL_SECRET: 'test-media-url-secret',
      METRICS_ADDRESS: '127.0.0.1:0',
    });
    worker.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    worker.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    for (let waited = 0; !/\[worker\] polling/.test(output); waited += 100) {
      if (worker.exitCode !== null || waited > 120_000) throw new Error(`the worker process did not start:\n${output.slice(-3000)}`);
      await sleep(100);
    }
    assert.doesNotMatch(output, /\[run\]/, 'the worker ran its TypeScript sources, not the compiled dist/server');
  });

  after(async () => {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((resolve) => worker!.once('exit', resolve));
      worker.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000).then(() => worker!.kill('SIGKILL'))]);
    }
    await api?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.error(`--- worker output ---\n${output.slice(-3000)}`);
  });

  it('completes the run while the worker process stays under 400 MB and grows by under 50 MB, and the URL serves exactly those bytes', async () => {
    const auth = { 'x-api-key': key };
    const { waitFor } = executionReader(() => api, () => auth);
    const sizeBytes = 150 * MB;
    const accountId = (await api.engine.db.apiKey.findFirstOrThrow()).accountId;
    const videoGraph = (sandbox: Record<string, unknown>) => ({
      nodes: [
        { id: 'input', type: 'request-input', config: { fields: [{ name: 'topic', type: 'string', required: true }] } },
        { id: 'gen', type: 'video-generation', config: { prompt: `video ${Math.random()} of {{topic}}`, sandbox, pollAfterMs: 5_000, pollIntervalMs: 5_000 } },
        { id: 'output', type: 'response-output', config: { wrap: true } },
      ],
      edges: [
        { source: 'input', sourcePort: 'topic', target: 'gen', targetPort: 'topic' },
        { source: 'gen', sourcePort: 'video', target: 'output', targetPort: 'video' },
      ],
    });
    // A small run first: the worker loads its workflow bundle into V8 on its first workflow task, once.
    const warmUp = await buildWorkflow(api.engine.db, accountId, videoGraph({ delayMs: 100 }));
    const first = await api.request('POST', `/api/workflows/${warmUp.slug}/run?async=true`, { body: { inputs: { topic: 'warm-up' } }, headers: auth });
    assert.equal((await waitFor(first.body.executionId, ended, 120_000)).status, 'completed');
    const workflow = await buildWorkflow(api.engine.db, accountId, videoGraph({ sizeBytes, delayMs: 100 }));
    const pid = worker!.pid!;
    const before = await memoryOf(pid);
    let peakRss = before.rss;
    const sampler = setInterval(() => void memoryOf(pid).then(({ rss }) => (peakRss = Math.max(peakRss, rss)), () => undefined), 50);
    let execution: any;
    try {
      const response = await api.request('POST', `/api/workflows/${workflow.slug}/run?async=true`, { body: { inputs: { topic: 'tides' } }, headers: auth });
      assert.equal(response.status, 202, JSON.stringify(response.body));
      execution = await waitFor(response.body.executionId, ended, 240_000);
    } finally {
      clearInterval(sampler);
    }
    const after = await memoryOf(pid);
    peakRss = Math.max(peakRss, after.rss);
    console.log(
      `      worker process RSS: ${(before.rss / MB).toFixed(0)} MB before the 150 MB run, ${(peakRss / MB).toFixed(0)} MB at its peak (sampled every 50 ms), ` +
        `${(after.rss / MB).toFixed(0)} MB after; highest since the process started (VmHWM) ${(after.peak / MB).toFixed(0)} MB`,
    );
    assert.equal(execution.status, 'completed', JSON.stringify(execution.error));
    assert.ok(peakRss - before.rss < 50 * MB, `the worker process grew from ${(before.rss / MB).toFixed(0)} MB to ${(peakRss / MB).toFixed(0)} MB`);
    assert.ok(peakRss < 400 * MB, `the worker process reached ${(peakRss / MB).toFixed(0)} MB during the 150 MB run`);

    const video = execution.output.video;
    assert.equal(video.sizeBytes, sizeBytes);
    const response = await fetch(video.url);
    assert.equal(response.status, 200);
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      bytes += chunk.byteLength;
    }
    assert.deepEqual({ bytes, sha256: hash.digest('hex') }, { bytes: sizeBytes, sha256: video.sha256 });
  });
});
