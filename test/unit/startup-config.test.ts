// Local ports, the start-up banner and the callback address of worker-only processes.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { ConfigError, loadConfig } from '../../src/config';
import { startBanner, temporalListCommand } from '../../src/runtime/banner';
import { localAdminToken } from '../../src/runtime/adminToken';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { callbackBaseUrl, MissingPublicUrlError } from '../../src/runtime/callbackBase';
import { choosePort, freeLoopbackPort, nextFreePort, portIsFree } from '../../src/runtime/ports';
import { asyncProviderIds, providersFromConfig } from '../../src/runtime/providers';
import { explainStartupError } from '../../src/runtime/startup';

describe('local ports and start-up', () => {
  it('reads TEMPORAL_PORT, TEMPORAL_UI_PORT, TEMPORAL_HTTP_PORT, TEMPORAL_METRICS_PORT and EMBEDDED_POSTGRES_PORT, unset by default', () => {
    const defaults = loadConfig({});
    assert.deepEqual([defaults.TEMPORAL_HTTP_PORT, defaults.TEMPORAL_METRICS_PORT], [undefined, undefined]);
    const ports = loadConfig({ TEMPORAL_HTTP_PORT: '17243', TEMPORAL_METRICS_PORT: '17244' });
    assert.deepEqual([ports.TEMPORAL_HTTP_PORT, ports.TEMPORAL_METRICS_PORT], [17243, 17244]);
    assert.equal(defaults.TEMPORAL_PORT, undefined);
    assert.equal(defaults.TEMPORAL_UI_PORT, undefined);
    assert.equal(defaults.EMBEDDED_POSTGRES_PORT, undefined);
    const set = loadConfig({ TEMPORAL_PORT: '17233', TEMPORAL_UI_PORT: '18233', EMBEDDED_POSTGRES_PORT: '15432' });
    assert.deepEqual([set.TEMPORAL_PORT, set.TEMPORAL_UI_PORT, set.EMBEDDED_POSTGRES_PORT], [17233, 18233, 15432]);
    assert.throws(() => loadConfig({ TEMPORAL_PORT: '70000' }), /TEMPORAL_PORT/);
  });

  it('takes the usual default port when free, a free one when taken, and refuses a configured port that is taken', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', () => resolve()));
    const taken = (busy.address() as { port: number }).port;
    try {
      const free = await freeLoopbackPort();
      assert.equal(await choosePort('TEMPORAL_PORT', undefined, free), free);
      assert.equal(await choosePort('TEMPORAL_PORT', undefined, taken), undefined);
      assert.equal(await choosePort('TEMPORAL_PORT', free, taken), free);
      const err = await choosePort('TEMPORAL_UI_PORT', taken, 8233).then(() => undefined, (caught: unknown) => caught);
      assert.ok(err instanceof ConfigError);
      const suggested = Number(/TEMPORAL_UI_PORT=(\d+) npm start$/.exec(explainStartupError(err))?.[1]);
      assert.match(explainStartupError(err), new RegExp(`^TEMPORAL_UI_PORT=${taken}: port ${taken} on 127\\.0\\.0\\.1 is already in use\\. Stop what uses it, or choose another: TEMPORAL_UI_PORT=\\d+ npm start$`));
      assert.ok(suggested !== taken && (await portIsFree(suggested)), `the suggested port ${suggested} is free`);
    } finally {
      busy.close();
    }
  });

  it('suggests a port that is free now, skipping the next ones when they are taken too', async () => {
    const first = createServer();
    await new Promise<void>((resolve) => first.listen(0, '127.0.0.1', () => resolve()));
    const taken = (first.address() as { port: number }).port;
    const second = createServer();
    const secondUp = await new Promise<boolean>((resolve) => {
      second.once('error', () => resolve(false));
      second.listen(taken + 1, '127.0.0.1', () => resolve(true));
    });
    try {
      const suggested = await nextFreePort(taken);
      assert.notEqual(suggested, taken + 1, 'the next port is taken too');
      assert.ok(await portIsFree(suggested));
    } finally {
      first.close();
      if (secondUp) second.close();
    }
  });

  it('prints every address and a temporal workflow list line with the exact address and namespace', () => {
    const text = startBanner({
      apiUrl: 'http://127.0.0.1:3100',
      temporalAddress: '127.0.0.1:17233',
      namespace: 'default',
      temporalUiUrl: 'http://127.0.0.1:18233',
      temporalCliPath: '/home/me/.cache/builder-studio/temporal-cli/v1.5.1/temporal',
      temporalMetricsUrl: 'http://127.0.0.1:40001/metrics',
      databaseUrl: 'postgresql://postgres:secret@127.0.0.1:15432/builder',
      metricsUrl: 'http://127.0.0.1:9464/metrics',
      adminToken: 'adm_x',
      demoApiKey: 'bsk_demo',
      demoSlugs: ['demo-text-chain'],
    });
    for (const address of [
      'http://127.0.0.1:3100',
      'http://127.0.0.1:3100/docs',
      'http://127.0.0.1:3100/mcp',
      'http://127.0.0.1:9464/metrics',
      '127.0.0.1:17233',
      'http://127.0.0.1:18233',
      'http://127.0.0.1:40001/metrics',
      'postgresql://postgres:***@127.0.0.1:15432/builder',
    ]) {
      assert.ok(text.includes(address), `${address} in:\n${text}`);
    }
    assert.ok(!text.includes('secret'));
    assert.match(text, /^ {4}\/home\/me\/\.cache\/builder-studio\/temporal-cli\/v1\.5\.1\/temporal workflow list --address 127\.0\.0\.1:17233 --namespace default$/m);
    assert.equal(temporalListCommand({ temporalAddress: 'h:1', namespace: 'prod' }), 'temporal workflow list --address h:1 --namespace prod');
  });

  it('prints a ready export line for the CLI (without DATABASE_URL), the demo account, the embedded Postgres URL in full, the data folder and an MCP config by absolute path', () => {
    const text = startBanner({
      apiUrl: 'http://127.0.0.1:3100',
      temporalAddress: '127.0.0.1:7233',
      namespace: 'default',
      databaseUrl: 'postgresql://postgres:builder-studio@127.0.0.1:15432/builder',
      databaseEmbedded: true,
      dataDir: '/root/repo/.data',
      adminTokenSource: '/root/repo/.data/admin-token',
      metricsUrl: 'http://127.0.0.1:9464/metrics',
      adminToken: 'adm_x',
      demoApiKey: 'bsk_demo',
      demoAccountId: 'acct_demo',
      demoSlugs: ['demo-text-chain'],
      cliPath: '/root/repo/bin/builder.js',
    });
    assert.match(
      text,
      /^ {4}export BUILDER_API_URL=http:\/\/127\.0\.0\.1:3100 BUILDER_API_KEY=bsk_demo ADMIN_TOKEN=adm_x; alias builder-studio='node \/root\/repo\/bin\/builder\.js'$/m,
    );
    assert.match(text, /Demo account: +acct_demo$/m);
    assert.match(text, /Postgres: +postgresql:\/\/postgres:builder-studio@127\.0\.0\.1:15432\/builder /m);
    assert.match(text, /Data folder: +\/root\/repo\/\.data /m);
    assert.match(text, /Admin token: +adm_x +\(from \/root\/repo\/\.data\/admin-token; the same at every start\)$/m);
    const mcp = text.split('\n').find((line) => line.trim().startsWith('{"command"'));
    assert.deepEqual(JSON.parse(mcp!), { command: 'node', args: ['/root/repo/bin/builder.js', 'mcp'], env: { BUILDER_API_URL: 'http://127.0.0.1:3100', BUILDER_API_KEY: 'bsk_demo' } });
  });

  it('keeps the local admin token in the data folder, mode 600, and gives the same one at the next start', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'admin-token-'));
    const first = await localAdminToken(dir);
    assert.equal(first.created, true);
    assert.equal((await stat(first.file)).mode & 0o777, 0o600);
    const second = await localAdminToken(dir);
    assert.deepEqual([second.token, second.created], [first.token, false]);
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a worker-only process without PUBLIC_URL when async providers are configured, and says how to fix it', () => {
    const config = loadConfig({});
    const asyncProviders = asyncProviderIds(providersFromConfig(config).registry);
    assert.deepEqual(asyncProviders, ['sandbox']);
    const err = (() => {
      try {
        callbackBaseUrl(config, { api: false, worker: true }, asyncProviders);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    assert.ok(err instanceof MissingPublicUrlError);
    const text = explainStartupError(err);
    assert.match(text, /PUBLIC_URL is not set/);
    assert.match(text, /http:\/\/127\.0\.0\.1:3000/);
    assert.match(text, /PUBLIC_URL=https:\/\/builder\.example\.com npm run worker/);

    assert.equal(callbackBaseUrl({ ...config, PUBLIC_URL: 'https://b.example.com/' }, { api: false, worker: true }, asyncProviders), 'https://b.example.com');
    assert.equal(callbackBaseUrl(config, { api: true, worker: true }, asyncProviders), 'http://127.0.0.1:3000');
    assert.equal(callbackBaseUrl(config, { api: false, worker: true }, []), 'http://127.0.0.1:3000');
  });
});
