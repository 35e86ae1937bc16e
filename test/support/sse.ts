/** One event as a client reads it. */
export interface SseEvent {
  id: number;
  event: string;
  data: { jobId: string | null; type: string };
}

/** Reads an SSE stream until `until` matches an event; the events up to and including it. */
export async function readSse(
  url: string,
  headers: Record<string, string>,
  until: (e: SseEvent) => boolean,
): Promise<SseEvent[]> {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  if (res.status !== 200) throw new Error(String(res.status));
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of res.body!) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const fields = Object.fromEntries(
          block
            .split('\n')
            .filter((l) => !l.startsWith(':') && l.includes(': '))
            .map((l) => [
              l.slice(0, l.indexOf(': ')),
              l.slice(l.indexOf(': ') + 2),
            ]),
        );
        // A block without data is no message (the stream's opening `id:` is one).
        if (fields.id === undefined || fields.data === undefined) continue;
        const event: SseEvent = {
          id: Number(fields.id),
          event: fields.event!,
          data: JSON.parse(fields.data) as SseEvent['data'],
        };
        events.push(event);
        if (until(event)) return events;
      }
    }
  } finally {
    abort.abort();
  }
  throw new Error('stream ended early');
}
