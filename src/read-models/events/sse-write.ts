/** What a chunk is written to: a connection, or any writable stream. */
export interface ChunkSink {
  write(chunk: Buffer | string): boolean;
  on(event: 'close' | 'drain', listener: () => void): unknown;
  off(event: 'close' | 'drain', listener: () => void): unknown;
  readonly destroyed: boolean;
}

/**
 * Writes one chunk of an event stream. When the connection's buffer is full it resolves
 * only once the buffer drains or the client goes, so that a slow client holds its own
 * subscription back instead of the service buffering the store for it. Both listeners go
 * when either fires: a stream to a slow client waits thousands of times in its life, and
 * one left behind per wait would pile up on the response until the client went.
 */
export function writeChunk(out: ChunkSink, chunk: string): Promise<void> {
  if (out.write(chunk) || out.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
  });
}
