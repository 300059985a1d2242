// A local endpoint that keeps what vendors POST to it (raw body and headers), for adapter tests
// that read a vendor's real webhook deliveries before our callback route exists in the picture.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** One delivery as received. */
export interface Delivery {
  path: string;
  headers: Record<string, string>;
  rawBody: Buffer;
}

/** A running receiver. */
export interface Receiver {
  url: string;
  deliveries: Delivery[];
  /** Resolves once `count` deliveries arrived (fails the test after `withinMs`). */
  waitFor(count: number, withinMs?: number): Promise<Delivery[]>;
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1 that answers 200 to every POST. */
export async function startReceiver(): Promise<Receiver> {
  const deliveries: Delivery[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      deliveries.push({ path: req.url ?? '/', headers: flat(req.headers), rawBody: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    deliveries,
    async waitFor(count, withinMs = 10_000) {
      for (const deadline = Date.now() + withinMs; deliveries.length < count; await sleep(10)) {
        if (Date.now() > deadline) throw new Error(`expected ${count} deliveries, got ${deliveries.length}`);
      }
      return deliveries.slice(0, count);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function flat(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : String(value ?? '')]));
}
