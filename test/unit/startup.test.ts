// Startup failures are explained in one line a person can act on.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { ConfigError, loadConfig } from '../../src/config';
import { explainStartupError } from '../../src/runtime/startup';
import { startSystem } from '../../src/runtime/system';

describe('startup errors', () => {
  it('names the busy port and how to pick another', async () => {
    const first = createServer();
    await new Promise<void>((resolve) => first.listen(0, '127.0.0.1', () => resolve()));
    const port = (first.address() as { port: number }).port;
    const second = createServer();
    const err = await new Promise<unknown>((resolve) => {
      second.once('error', resolve);
      second.listen(port, '127.0.0.1');
    });
    first.close();
    assert.equal(explainStartupError(err), `Port ${port} on 127.0.0.1 is already in use. Stop what uses it, or choose another port: PORT=${port + 1} npm start`);
  });

  it('lists every invalid configuration variable', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'abc', CREDIT_MARKUP: '-1' });
    } catch (caught) {
      err = caught;
    }
    assert.ok(err instanceof ConfigError);
    const text = explainStartupError(err);
    assert.match(text, /PORT/);
    assert.match(text, /CREDIT_MARKUP/);
  });

  it('refuses to start an API or worker process without DATABASE_URL and TEMPORAL_ADDRESS, pointing at npm start, and starts nothing local', async () => {
    const logged: string[] = [];
    const err = await startSystem(loadConfig({ METRICS_ADDRESS: '127.0.0.1:0' }), { api: true, worker: false, log: (m) => logged.push(m) }).then(
      () => assert.fail('started without a database'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConfigError);
    assert.match(explainStartupError(err), /^DATABASE_URL and TEMPORAL_ADDRESS are not set: .*`npm start` to start both locally\.$/);
    assert.deepEqual(logged.filter((m) => /embedded|dev server/.test(m)), []);
  });
});
