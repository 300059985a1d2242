// A TCP proxy to Postgres that can cut every connection and refuse new ones: a real outage, as the
// database's clients see it, without touching the shared Postgres server.
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** A TCP proxy to Postgres that can cut every connection and refuse new ones: a real outage. */
export class CuttableProxy {
  private readonly sockets = new Set<Socket>();
  private down = false;
  private server?: Server;
  constructor(private readonly target: { host: string; port: number }) {}

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
  cut(): void {
    this.down = true;
    for (const socket of this.sockets) socket.destroy();
  }
  restore(): void {
    this.down = false;
  }
  close(): void {
    this.cut();
    this.server?.close();
  }
}

/** `databaseUrl` pointed at the proxy's port. */
export function throughProxy(databaseUrl: string, port: number): string {
  const proxied = new URL(databaseUrl);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(port);
  return proxied.toString();
}
