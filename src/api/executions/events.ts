// `GET /api/executions/:id/events`: Server-Sent Events of every run and step status change and
// every streamed token, in order, resumable with Last-Event-ID, ending when the run ends.
import { PassThrough } from 'node:stream';
import type { Context } from 'koa';
import type { Db } from '../../db/client';
import type { EventHub } from '../../events/hub';
import { readEvents } from '../../events/store';
import { presentMedia, type MediaUrlSigner } from '../../media/urls';

const KEEPALIVE_MS = 15_000;

/** Streams the execution's events to the client until `run.end` or disconnect. */
export async function streamEvents(ctx: Context, deps: { db: Db; hub: EventHub; signer?: MediaUrlSigner }, executionId: string, afterSeq: number): Promise<void> {
  const stream = new PassThrough();
  ctx.req.socket.setTimeout(0);
  ctx.req.socket.setNoDelay(true);
  ctx.set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
  ctx.status = 200;
  ctx.body = stream;

  let last = afterSeq;
  let closed = false;
  let wake: (() => void) | undefined;
  const woken = () => new Promise<void>((resolve) => (wake = resolve));
  const stop = await deps.hub.watch(executionId, () => wake?.());
  const keepalive = setInterval(() => stream.write(': keepalive\n\n'), KEEPALIVE_MS);
  const finish = () => {
    if (closed) return;
    closed = true;
    clearInterval(keepalive);
    stop();
    wake?.();
    stream.end();
  };
  ctx.req.on('close', finish);
  stream.write('retry: 1000\n\n');

  void (async () => {
    try {
      while (!closed) {
        const next = woken();
        // Read until caught up; a wake-up that lands meanwhile is kept by `next`.
        for (;;) {
          const events = await readEvents(deps.db, executionId, last);
          for (const event of events) {
            // Events hold media references; watchers get them with fresh signed URLs.
            const data = deps.signer ? presentMedia(event.data, deps.signer) : event.data;
            stream.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`);
            last = event.seq;
            if (event.type === 'run.end') return finish();
          }
          if (events.length < 500) break;
        }
        await Promise.race([next, new Promise((resolve) => setTimeout(resolve, KEEPALIVE_MS))]);
      }
    } catch (err) {
      stream.write(`event: error\ndata: ${JSON.stringify({ message: 'The event stream failed; reconnect with Last-Event-ID.' })}\n\n`);
      finish();
      void err;
    }
  })();
}
