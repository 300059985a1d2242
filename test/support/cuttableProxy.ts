// A TCP proxy to Postgres that can cut every connection and refuse new ones: a real outage, for
// fault tests that point one component's database URL at it.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A proxy to `target` whose connections can be cut and later allowed again. */
export class CuttableProxy {
  private readonly sockets = new Set<Socket>();
  private down = false;
  private server?: Server;
  constructor(private readonly target: { host: string; port: number }) {}

  /** Listens on a free loopback port and returns it. */
  async start(): Promise<number> {
    this.server = createServer((client) => {
      if (this.down) return client.destroy();
      const upstream = createConnection(this.target);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    return (this.server!.address() as AddressInfo).port;
  }
  /** Cuts every open connection and refuses new ones until restore(). */
  cut(): void {
    this.down = true;
    for (const socket of this.sockets) socket.destroy();
  }
  /** Accepts connections again. */
  restore(): void {
    this.down = false;
  }
  /** Cuts everything and stops listening. */
  close(): void {
    this.cut();
    this.server?.close();
  }
}

/** Starts a proxy in front of the database at `databaseUrl`; returns it with the proxied URL. */
export async function proxyDatabase(databaseUrl: string): Promise<{ proxy: CuttableProxy; url: string }> {
  const url = new URL(databaseUrl);
  const proxy = new CuttableProxy({ host: url.hostname, port: Number(url.port || 5432) });
  const port = await proxy.start();
  const proxied = new URL(databaseUrl);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(port);
  return { proxy, url: proxied.toString() };
}

/** `databaseUrl` pointed at a proxy already listening on `port`. */
export function throughProxy(databaseUrl: string, port: number): string {
  const proxied = new URL(databaseUrl);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(port);
  return proxied.toString();
}
