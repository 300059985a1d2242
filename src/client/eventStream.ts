// Reads a `text/event-stream` body (Server-Sent Events) into typed events, ending after `run.end`.

/** One live event of `GET /api/executions/:id/events`. */
export interface LiveEvent {
  id?: string;
  type: string;
  data: Record<string, unknown>;
}

/** Parses a `text/event-stream` body into events. */
export async function* parseEventStream(body: ReadableStream<Uint8Array>): AsyncGenerator<LiveEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event: { id?: string; type?: string; data: string[] } = { data: [] };
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
      if (line === '') {
        if (event.data.length > 0 || event.type) {
          const raw = event.data.join('\n');
          let data: Record<string, unknown> = {};
          try {
            data = raw ? JSON.parse(raw) : {};
          } catch {
            data = { raw };
          }
          const type = event.type ?? 'message';
          yield { ...(event.id ? { id: event.id } : {}), type, data };
          if (type === 'run.end') return;
        }
        event = { data: [] };
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event.type = value;
      else if (field === 'data') event.data.push(value);
      else if (field === 'id') event.id = value;
    }
  }
}
