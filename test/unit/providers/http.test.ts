import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProviderError } from '../../../src/providers/errors';
import { FetchHttpProvider } from '../../../src/providers/http';
import { OutboundGuard } from '../../../src/net/guardedFetch';
import type { HttpCall } from '../../../src/providers/types';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A local server whose routes answer like a real API; it records what it received. */
async function startApi(): Promise<{ baseUrl: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const json = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(payload));
      };
      switch (req.url ?? '') {
        case '/echo':
          return json(201, { method: req.method, contentType: req.headers['content-type'] ?? null, received: body ? JSON.parse(body) : null }, { 'x-trace': 'abc' });
        case '/text':
          res.writeHead(200, { 'content-type': 'text/plain' });
          return res.end(`plain:${body}`);
        case '/boom':
          return json(500, { error: 'database on fire' });
        case '/missing':
          res.writeHead(404, { 'content-type': 'text/plain' });
          return res.end('no such widget');
        case '/slow-down':
          return json(429, { error: 'slow down' }, { 'retry-after': '3' });
        case '/huge':
          res.writeHead(200, { 'content-type': 'text/plain' });
          return res.end('x'.repeat(2048));
        case '/redirect':
          res.writeHead(302, { location: '/echo' });
          return res.end();
        default:
          return json(404, { error: 'unknown route' });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function call(url: string, overrides: Partial<HttpCall> = {}): HttpCall {
  return { method: 'GET', url, headers: {}, signal: new AbortController().signal, ...overrides };
}

function providerError(type: ProviderError['type'], check: (err: ProviderError) => void = () => undefined) {
  return (err: unknown): true => {
    assert.ok(err instanceof ProviderError, `expected a ProviderError, got ${String(err)}`);
    assert.equal(err.type, type, err.message);
    check(err);
    return true;
  };
}

describe('FetchHttpProvider', () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  const open = new FetchHttpProvider({ allowPrivateNetworks: true });

  beforeEach(async () => {
    api = await startApi();
  });
  afterEach(() => api.close());

  it('sends an object body as JSON and parses the JSON response with status and headers', async () => {
    const response = await open.request(call(`${api.baseUrl}/echo`, { method: 'post', body: { name: 'Ada', tags: ['x'] } }));
    assert.equal(response.status, 201);
    assert.equal(response.headers['x-trace'], 'abc');
    assert.deepEqual(response.body, { method: 'POST', contentType: 'application/json', received: { name: 'Ada', tags: ['x'] } });
  });

  it('sends a string body as text and returns a non-JSON response as text', async () => {
    const response = await open.request(call(`${api.baseUrl}/text`, { method: 'PUT', body: 'hello' }));
    assert.equal(response.body, 'plain:hello');
    assert.match(api.received[0]?.headers['content-type'] ?? '', /^text\/plain/);
  });

  it('keeps a content-type header the node set itself', async () => {
    await open.request(call(`${api.baseUrl}/text`, { method: 'POST', body: 'a=1', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }));
    assert.equal(api.received[0]?.headers['content-type'], 'application/x-www-form-urlencoded');
  });

  it('turns a 500 into a retryable ProviderUnavailable with the status and a body excerpt', async () => {
    await assert.rejects(
      open.request(call(`${api.baseUrl}/boom`)),
      providerError('ProviderUnavailable', (err) => {
        assert.equal(err.details.status, 500);
        assert.match(err.message, /database on fire/);
        assert.equal(err.nonRetryable, false);
      }),
    );
  });

  it('turns a 404 into a non-retryable ProviderRejected with the status and a body excerpt', async () => {
    await assert.rejects(
      open.request(call(`${api.baseUrl}/missing`)),
      providerError('ProviderRejected', (err) => {
        assert.equal(err.details.status, 404);
        assert.match(err.message, /no such widget/);
        assert.equal(err.nonRetryable, true);
      }),
    );
  });

  it('turns a 429 into ProviderRateLimited with the Retry-After delay', async () => {
    await assert.rejects(
      open.request(call(`${api.baseUrl}/slow-down`)),
      providerError('ProviderRateLimited', (err) => assert.equal(err.details.retryAfterMs, 3_000)),
    );
  });

  it('refuses a response body larger than the cap', async () => {
    const small = new FetchHttpProvider({ allowPrivateNetworks: true, maxBodyBytes: 1024 });
    await assert.rejects(small.request(call(`${api.baseUrl}/huge`)), providerError('ProviderRejected', (err) => assert.match(err.message, /1024 bytes/)));
  });

  it('follows a redirect, turning a POST into a GET', async () => {
    const response = await open.request(call(`${api.baseUrl}/redirect`, { method: 'POST', body: { a: 1 } }));
    assert.deepEqual(response.body, { method: 'GET', contentType: null, received: null });
    assert.deepEqual(api.received.map((r) => `${r.method} ${r.url}`), ['POST /redirect', 'GET /echo']);
  });

  it('refuses loopback and private hosts as PrivateNetworkRefused (never retried) when private networks are not allowed, without sending anything', async () => {
    const guarded = new FetchHttpProvider({ allowPrivateNetworks: false });
    const port = new URL(api.baseUrl).port;
    for (const url of [`${api.baseUrl}/echo`, `http://localhost:${port}/echo`, `http://[::1]:${port}/echo`, `http://2130706433:${port}/echo`, 'http://10.1.2.3/x', 'http://169.254.169.254/latest/meta-data']) {
      await assert.rejects(guarded.request(call(url)), providerError('PrivateNetworkRefused', (err) => {
        assert.match(err.message, /private networks are not reachable/);
        assert.equal(err.nonRetryable, true);
      }));
    }
    assert.equal(api.received.length, 0);
  });

  it('reaches the same local server when private networks are allowed', async () => {
    const response = await new FetchHttpProvider({ allowPrivateNetworks: true }).request(call(`${api.baseUrl}/echo`));
    assert.equal(response.status, 201);
  });

  it('refuses invalid URLs and non-http schemes as InvalidConfig', async () => {
    for (const url of ['not a url', 'ftp://example.com/file', 'file:///etc/passwd']) {
      await assert.rejects(open.request(call(url)), providerError('InvalidConfig'));
    }
  });

  it('maps a refused connection to ProviderUnavailable', async () => {
    const url = `${api.baseUrl}/echo`;
    await api.close();
    await assert.rejects(open.request(call(url)), providerError('ProviderUnavailable'));
    api = await startApi();
  });

  it('rejects with the abort reason when the signal is already aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('step cancelled');
    controller.abort(reason);
    await assert.rejects(open.request(call(`${api.baseUrl}/echo`, { signal: controller.signal })), (err) => err === reason);
  });
});

const guard = new OutboundGuard({ allowPrivateNetworks: false });
const isPrivateAddress = (ip: string) => guard.refusalOf(ip) !== undefined;

describe('the guard\'s address classification', () => {
  it('flags loopback, private, link-local, CGNAT and unspecified IPv4 addresses', () => {
    for (const ip of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0']) {
      assert.equal(isPrivateAddress(ip), true, ip);
    }
  });

  it('flags loopback, unique-local, link-local and IPv4-mapped private IPv6 addresses', () => {
    for (const ip of ['::1', '::', 'fd12:3456::1', 'fc00::1', 'fe80::1', 'fe80::1%eth0', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '[::1]']) {
      assert.equal(isPrivateAddress(ip), true, ip);
    }
  });

  it('lets public IPv4 and IPv6 addresses through', () => {
    for (const ip of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '93.184.216.34', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      assert.equal(isPrivateAddress(ip), false, ip);
    }
  });

  it('treats anything that is not an IP address as private', () => {
    assert.equal(isPrivateAddress('example.com'), true);
    assert.equal(isPrivateAddress(''), true);
  });
});
