// Reads a Server-Sent Events response into parsed events.

/** One parsed SSE event. */
export interface SseEvent {
  id: number;
  event: string;
  data: any;
}

/** Opens `url` and collects events until the server ends the stream (or `stopAfter` events). */
export async function readSse(url: string, headers: Record<string, string>, stopAfter = Infinity): Promise<SseEvent[]> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  if (response.status !== 200) throw new Error(`SSE answered ${response.status}: ${await response.text()}`);
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(
          block
            .split('\n')
            .filter((line) => line && !line.startsWith(':'))
            .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trimStart()]),
        );
        if (fields.event === undefined) continue;
        events.push({ id: Number(fields.id), event: fields.event, data: JSON.parse(fields.data ?? 'null') });
        if (events.length >= stopAfter) {
          controller.abort();
          return events;
        }
      }
    }
  } catch (err) {
    if (!controller.signal.aborted) throw err;
  }
  return events;
}
