// The guarded outbound fetch: every spelling of a private address is refused before a packet is
// sent, a name is resolved once and the checked address is the one connected to, redirects are
// checked hop by hop, and the allowlist and the blanket switch open exactly what they name.
import assert from 'node:assert/strict';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AllowlistEntryInvalid, OutboundGuard, PrivateNetworkRefused, ResponseTooLarge, TooManyRedirects, type ResolveAll } from '../../../src/net/guardedFetch';
import { parseAllowlist } from '../../../src/net/networkAllowlist';

/** A loopback server that counts the connections it accepts. */
async function countingServer(host = '127.0.0.1', port = 0, handler?: RequestListener) {
  let connections = 0;
  const server: Server = createServer(handler ?? ((_req, res) => res.end('hello')));
  server.on('connection', () => connections++);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    get connections() {
      return connections;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const refuses = async (guard: OutboundGuard, url: string) => {
  await assert.rejects(guard.fetch(url), (err: unknown) => {
    assert.ok(err instanceof PrivateNetworkRefused, `${url}: ${String(err)}`);
    return true;
  });
};

describe('the guarded outbound fetch', function () {
  it('classifies every non-public range as refused and public unicast as allowed', () => {
    const guard = new OutboundGuard({ allowPrivateNetworks: false });
    for (const address of [
      '127.0.0.1', '127.255.255.254', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0',
      '224.0.0.1', '255.255.255.255', '192.0.2.1', '::1', '::', 'fc00::1', 'fd12::1', 'fe80::1', 'ff02::1',
      '::ffff:127.0.0.1', '::ffff:169.254.169.254', '64:ff9b::7f00:1', '64:ff9b::a00:1', '2002:7f00:1::1', '2002:a9fe:a9fe::1',
    ]) {
      assert.notEqual(guard.refusalOf(address), undefined, `${address} must be refused`);
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808']) {
      assert.equal(guard.refusalOf(address), undefined, `${address} must be allowed`);
    }
  });

  it('refuses loopback in every spelling without sending a packet to it', async () => {
    const server = await countingServer();
    const guard = new OutboundGuard({ allowPrivateNetworks: false });
    try {
      const p = server.port;
      for (const url of [
        `http://127.0.0.1:${p}/`, `http://2130706433:${p}/`, `http://127.1:${p}/`, `http://0177.0.0.1:${p}/`, `http://0x7f.0.0.1:${p}/`,
        `http://[::ffff:127.0.0.1]:${p}/`, `http://[::ffff:7f00:1]:${p}/`, `http://localhost:${p}/`, `http://localhost.:${p}/`, `http://LOCALHOST:${p}/x`,
      ]) {
        await refuses(guard, url);
      }
      // Redirects and 3xx answers cannot be sent through either: the check precedes every hop.
      assert.equal(server.connections, 0, 'the refused address received no connection');
    } finally {
      await guard.close();
      await server.close();
    }
  });

  it('names the host and the address in the refusal', async () => {
    const guard = new OutboundGuard({ allowPrivateNetworks: false }, async () => [{ address: '10.0.0.7', family: 4 }]);
    await assert.rejects(guard.fetch('http://internal.example/'), /Refused to connect to "internal\.example": it resolves to 10\.0\.0\.7, which is a private address/);
    await guard.close();
  });

  it('refuses a name when any of its addresses is private, before connecting anywhere', async () => {
    let lookups = 0;
    const guard = new OutboundGuard({ allowPrivateNetworks: false }, async () => {
      lookups++;
      return [{ address: '93.184.216.34', family: 4 }, { address: '127.0.0.1', family: 4 }];
    });
    await refuses(guard, 'http://mixed.example/');
    assert.equal(lookups, 1);
    await guard.close();
  });

  it('connects to the address it checked: a rebinding resolver that answers differently the second time is never asked again', async () => {
    // The "public" answer is 127.0.0.2, allowed by the allowlist; the rebinding answer is 127.0.0.1.
    // Two servers on one port, one per loopback address (retried when another program holds that port).
    let checked = await countingServer('127.0.0.2');
    let rebound: Awaited<ReturnType<typeof countingServer>> | undefined;
    for (let attempt = 0; !rebound; attempt++) {
      try {
        rebound = await countingServer('127.0.0.1', checked.port);
      } catch (err) {
        if (attempt > 20) throw err;
        await checked.close();
        checked = await countingServer('127.0.0.2');
      }
    }
    let lookups = 0;
    const rebinding: ResolveAll = async () => (lookups++ === 0 ? [{ address: '127.0.0.2', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]);
    const guard = new OutboundGuard({ allowPrivateNetworks: false, allowlist: ['127.0.0.2/32'] }, rebinding);
    try {
      const response = await guard.fetch(`http://rebind.example:${checked.port}/`);
      assert.equal(await response.text(), 'hello');
      assert.equal(lookups, 1, 'the name was resolved once');
      assert.equal(checked.connections, 1);
      assert.equal(rebound.connections, 0, 'the rebound address received nothing');
    } finally {
      await guard.close();
      await checked.close();
      await rebound.close();
    }
  });

  it('checks every redirect: a hop to a private address is refused and receives nothing, and more than five hops stop', async () => {
    const target = await countingServer();
    const redirector = await countingServer('127.0.0.1', 0, (req, res) => {
      const hop = Number(new URL(req.url!, 'http://x').searchParams.get('hop') ?? 0);
      if (req.url!.startsWith('/private')) res.writeHead(302, { location: `http://127.0.0.1:${target.port}/secret` }).end();
      else res.writeHead(302, { location: `/loop?hop=${hop + 1}` }).end();
    });
    const guard = new OutboundGuard({ allowPrivateNetworks: false, allowlist: [`127.0.0.1:${redirector.port}`] });
    try {
      await refuses(guard, `http://127.0.0.1:${redirector.port}/private`);
      assert.equal(target.connections, 0);
      await assert.rejects(guard.fetch(`http://127.0.0.1:${redirector.port}/loop`), TooManyRedirects);
    } finally {
      await guard.close();
      await redirector.close();
      await target.close();
    }
  });

  it('lets through exactly the allowlisted host:port, and everything with ALLOW_PRIVATE_NETWORKS', async () => {
    const allowed = await countingServer();
    const other = await countingServer();
    const guard = new OutboundGuard({ allowPrivateNetworks: false, allowlist: [`127.0.0.1:${allowed.port}`] });
    const open = new OutboundGuard({ allowPrivateNetworks: true });
    try {
      assert.equal(await (await guard.fetch(`http://127.0.0.1:${allowed.port}/`)).text(), 'hello');
      await refuses(guard, `http://127.0.0.1:${other.port}/`);
      assert.equal(other.connections, 0);
      assert.equal(await (await open.fetch(`http://127.0.0.1:${other.port}/`)).text(), 'hello');
    } finally {
      await Promise.all([guard.close(), open.close(), allowed.close(), other.close()]);
    }
  });

  it('stops reading a body past its byte limit', async () => {
    const big = await countingServer('127.0.0.1', 0, (_req, res) => res.end(Buffer.alloc(64 * 1024, 1)));
    const open = new OutboundGuard({ allowPrivateNetworks: true });
    try {
      const response = await open.fetch(`http://127.0.0.1:${big.port}/`, { maxBytes: 1024 });
      await assert.rejects(response.arrayBuffer(), (err: unknown) => err instanceof ResponseTooLarge || (err as Error).cause instanceof ResponseTooLarge);
    } finally {
      await open.close();
      await big.close();
    }
  });

  it('refuses an allowlist entry that is neither host:port nor a CIDR range', () => {
    assert.throws(() => parseAllowlist(['10.0.0.0/33']), AllowlistEntryInvalid);
    assert.throws(() => parseAllowlist(['just-a-host']), AllowlistEntryInvalid);
    parseAllowlist(['fake-vendor:8443', '127.0.0.1:9000', '[::1]:80', '10.0.0.0/8', 'fd00::/8']);
  });
});
