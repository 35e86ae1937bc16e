import type { DestinationStream } from 'pino';

/** A stream that can be flushed, as pino's own destination (sonic-boom) can. */
export interface FlushableStream extends DestinationStream {
  flushSync?(): void;
  flush?(callback?: (error?: Error) => void): void;
}

/**
 * The most characters handed on in one write: at most 12 KiB of UTF-8, under sonic-boom's
 * 16 KiB chunk. At exit pino writes out synchronously what its destination holds while the
 * write in flight may still be going: a write as large as a whole turn's lines could then be
 * split on a slow pipe and the lines of the two interleaved (seen with a reader that starts
 * late). In chunks, sonic-boom's writes are no larger than when it was given line by line.
 */
const MAX_CHUNK_CHARS = 4096;

/** Every batch with lines not yet handed on; what the exit hook below drains. */
const open = new Set<LineBatch>();

// Registered when this module loads, before any pino destination exists: Node runs `exit`
// listeners in order, so the lines still held here reach their destination before pino's
// own exit hook writes out what that destination holds.
process.on('exit', () => {
  for (const batch of open) batch.drain();
});

/**
 * Log lines handed to `target` once per turn of the event loop, joined into a few strings.
 * Line by line, pino's asynchronous destination (sonic-boom) measures the byte length of
 * the whole chunk it is gathering on every write (up to 16 KiB, a string it flattens each
 * time): under load, with a write in flight and lines piling up behind it, that was about
 * 3 % of an accepted request's CPU. Joined, it is measured once for many lines.
 *
 * Nothing is held past the turn that wrote it, nor at exit (see above); `flush` and
 * `flushSync` hand the held lines on first.
 */
export class LineBatch implements FlushableStream {
  private lines: string[] = [];
  private scheduled: NodeJS.Immediate | undefined;

  constructor(private readonly target: FlushableStream) {}

  write(line: string): void {
    this.lines.push(line);
    if (this.scheduled) return;
    open.add(this);
    this.scheduled = setImmediate(() => this.drain());
  }

  /** Hands the held lines to the target now. */
  drain(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    open.delete(this);
    const lines = this.lines;
    if (lines.length === 0) return;
    this.lines = [];
    let from = 0;
    let chars = 0;
    for (let i = 0; i < lines.length; i++) {
      const length = lines[i]!.length;
      if (i > from && chars + length > MAX_CHUNK_CHARS) {
        this.hand(lines, from, i);
        from = i;
        chars = 0;
      }
      chars += length;
    }
    this.hand(lines, from, lines.length);
  }

  /** Hands `lines[from..to)` on in one write. */
  private hand(lines: readonly string[], from: number, to: number): void {
    this.target.write(
      to - from === 1 ? lines[from]! : lines.slice(from, to).join(''),
    );
  }

  flushSync(): void {
    this.drain();
    this.target.flushSync?.();
  }

  flush(callback?: (error?: Error) => void): void {
    this.drain();
    if (this.target.flush) this.target.flush(callback);
    else callback?.();
  }
}
