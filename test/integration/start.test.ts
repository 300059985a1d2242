// `npm start` and `npm run worker` as a person runs them: real processes, real ports.
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freeLoopbackPort, portIsFree } from '../../src/runtime/ports';
import { startLocalTemporal, TemporalUnavailableError } from '../../temporal/localServer';
import { spawnNodeScript } from '../support/npmScripts';

/** Spawns `npm run <script>`'s node command and collects its output until `until` matches (or it exits). */
function launch(script: 'start' | 'worker', env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; waitFor: (until: RegExp, timeoutMs: number) => Promise<string>; exited: Promise<number | null> } {
  const child = spawnNodeScript(script, env);
  let text = '';
  const listeners = new Set<() => void>();
  const keep = (chunk: Buffer) => {
    text += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = (until: RegExp, timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        if (until.test(text)) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve(text);
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`timed out waiting for ${until}; output:\n${text}`));
      }, timeoutMs);
      listeners.add(check);
      void exited.then(() => {
        if (!until.test(text)) {
          clearTimeout(timer);
          reject(new Error(`exited before ${until}; output:\n${text}`));
        }
      });
      check();
    });
  return { child, output: () => text, waitFor, exited };
}

describe('start-up of the processes', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'builder-start-'));
    // As root, the embedded Postgres runs as `postgres`, which must be able to enter the folder.
    await chmod(dataDir, 0o755);
  });
  after(async () => rm(dataDir, { recursive: true, force: true }));

  it('npm start listens on every port it is given (API, Temporal frontend, UI, HTTP and metrics, Postgres), prints the full embedded Postgres URL and the stable admin token, and a temporal workflow list line that works as printed', async function () {
    this.timeout(240_000);
    const [port, temporalPort, uiPort, pgPort, httpPort, metricsPort] = await Promise.all([freeLoopbackPort(), freeLoopbackPort(), freeLoopbackPort(), freeLoopbackPort(), freeLoopbackPort(), freeLoopbackPort()]);
    const env: NodeJS.ProcessEnv = {
      PORT: String(port), TEMPORAL_PORT: String(temporalPort), TEMPORAL_UI_PORT: String(uiPort), EMBEDDED_POSTGRES_PORT: String(pgPort),
      TEMPORAL_HTTP_PORT: String(httpPort), TEMPORAL_METRICS_PORT: String(metricsPort),
      DATA_DIR: dataDir, LOG_LEVEL: 'silent',
    };
    for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'PUBLIC_URL', 'ADMIN_TOKEN']) env[name] = '';
    const started = launch('start', env);
    try {
      const text = await started.waitFor(/List runs in Temporal:\n\s+\S.*\n/, 200_000);
      assert.match(text, new RegExp(`API: +http://127\\.0\\.0\\.1:${port}\\n`));
      assert.match(text, new RegExp(`Temporal: +127\\.0\\.0\\.1:${temporalPort} `));
      assert.match(text, new RegExp(`Temporal UI: +http://127\\.0\\.0\\.1:${uiPort}\\n`));
      assert.match(text, new RegExp(`Postgres: +postgresql://postgres:builder-studio@127\\.0\\.0\\.1:${pgPort}/builder +\\(embedded`));
      const token = (await readFile(path.join(dataDir, 'admin-token'), 'utf8')).trim();
      assert.equal(((await stat(path.join(dataDir, 'admin-token'))).mode & 0o777), 0o600);
      assert.match(text, new RegExp(`Admin token: +${token} `));
      assert.match(text, new RegExp(`export BUILDER_API_URL=http://127\\.0\\.0\\.1:${port} BUILDER_API_KEY=bsk_\\S+ ADMIN_TOKEN=${token}; alias builder-studio=`));
      assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status, 200, 'the dev server serves its metrics on TEMPORAL_METRICS_PORT');
      assert.ok(!(await portIsFree(httpPort)), 'the dev server listens on TEMPORAL_HTTP_PORT');
      const line = text.match(/List runs in Temporal:\n\s+(\S.*)\n/)![1]!;
      assert.ok(line.endsWith(`workflow list --address 127.0.0.1:${temporalPort} --namespace default`), line);

      const ui = await fetch(`http://127.0.0.1:${uiPort}/`);
      assert.equal(ui.status, 200);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(health.status, 200);
      const listed = await new Promise<{ code: number; out: string }>((resolve) =>
        execFile('sh', ['-c', line], { timeout: 30_000 }, (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr })),
      );
      assert.equal(listed.code, 0, listed.out);
    } finally {
      started.child.kill('SIGTERM');
      await started.exited;
    }
  });

  it('a worker-only process without PUBLIC_URL refuses to start and says how to fix it', async function () {
    this.timeout(60_000);
    // Nothing is reachable at these addresses: the check must come before any connection.
    const worker = launch('worker', { PUBLIC_URL: '', DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none', TEMPORAL_ADDRESS: '127.0.0.1:1' });
    const code = await worker.exited;
    assert.equal(code, 1, worker.output());
    assert.match(worker.output(), /\[worker\] could not start: PUBLIC_URL is not set/);
    assert.match(worker.output(), /PUBLIC_URL=https:\/\/builder\.example\.com npm run worker/);
    assert.doesNotMatch(worker.output(), /ECONNREFUSED|at .*\.ts:\d+/);
  });

  it('without a Temporal CLI and without Go, falls back to the SDK download of the dev server, and when that fails names the official install routes', async function () {
    this.timeout(120_000);
    const cache = await mkdtemp(path.join(tmpdir(), 'builder-nocli-'));
    const messages: string[] = [];
    try {
      const outcome = await startLocalTemporal({
        dbFile: path.join(cache, 'dev.sqlite'),
        namespace: 'default',
        log: (message) => messages.push(message),
        locate: { env: { PATH: '', XDG_CACHE_HOME: cache }, goFallbackPaths: [] },
      }).then(
        (server) => ({ server }),
        (err: unknown) => ({ err }),
      );
      assert.ok(messages.some((m) => /Go is not installed/.test(m)), messages.join('\n'));
      assert.ok(messages.some((m) => /Temporal SDK's own download of the dev server/.test(m)), messages.join('\n'));
      if ('server' in outcome) {
        // A machine that reaches temporal.download gets a working server from the SDK.
        assert.equal(outcome.server.source, 'sdk-download');
        await outcome.server.stop();
      } else {
        assert.ok(outcome.err instanceof TemporalUnavailableError, String(outcome.err));
        assert.match(outcome.err.message, /brew install temporal/);
        assert.match(outcome.err.message, /temporal\.download\/cli\/archive\/latest/);
        assert.match(outcome.err.message, /TEMPORAL_ADDRESS=host:7233/);
      }
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });
});
