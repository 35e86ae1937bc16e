import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { STORAGE_FAILURE_CODES } from './storage-failure';

/** One append as the writer thread takes it: ids, JSON and time made on the main thread. */
export interface WriterAppend {
  streamId: string;
  expected: string | number;
  /** The event ids the caller gave (null where it gave none), to recognise a retry. */
  givenIds: (string | null)[];
  rows: [eventId: string, type: string, data: string, metadata: string][];
  recordedAt: string;
}

/** A stored row as the writer reads it (the store's column order). */
export type WriterRow = [
  position: number,
  streamId: string,
  version: number,
  eventId: string,
  type: string,
  data: string,
  metadata: string,
  recordedAt: string,
];

/** What the writer did with one append of a batch. */
export type WriterOutcome =
  /** Some given ids were stored before: the rows (null where an id was not). */
  | { stored: (WriterRow | null)[] }
  /** The expected version did not hold against `current`; nothing written. */
  | { current: number; refused: true }
  /** Written at `current + 1 …`, at these global positions. */
  | { current: number; positions: number[] }
  /** Refused by the database for a reason that is not the storage's state. */
  | { error: WriterError };

/** An error as it crosses from the writer thread: its code (SQLite's or errno's) and text. */
export interface WriterError {
  code: string | undefined;
  message: string;
}

type Reply<T> = { ok: T } | { failure: WriterError };

interface Waiting {
  resolve: (reply: Reply<unknown>) => void;
}

/**
 * The SQLite event store's writer thread (`sqlite-writer.worker.js`): a connection of its
 * own that commits the store's batches, so that a commit's WAL sync waits on that thread and
 * not on the event loop. Requests are answered in the order they were sent; the store sends
 * one batch at a time.
 *
 * The thread holds the process open only while a request is waiting. If it dies, every
 * waiting request fails with the reason (as a storage failure would: the batch may or may
 * not have been committed) and the next request starts a new thread.
 */
export class SqliteWriter {
  private worker: Worker | undefined;
  private waiting: Waiting[] = [];

  /** @param script the thread's code; another only in the tests of this class */
  constructor(
    private readonly fileName: string,
    private readonly script = join(__dirname, 'sqlite-writer.worker.js'),
  ) {}

  commit(appends: WriterAppend[]): Promise<Reply<WriterOutcome[]>> {
    return this.request({ kind: 'commit', appends });
  }

  /** A transaction that allocates `bytes` and frees them again. */
  probe(bytes: number): Promise<Reply<true>> {
    return this.request({ kind: 'probe', bytes });
  }

  /**
   * Runs `PRAGMA source` on the writer's connection and answers its value: settings of that
   * one connection, as the tests make the storage full or read-only with them.
   */
  pragma(source: string): Promise<Reply<unknown>> {
    return this.request({ kind: 'pragma', source });
  }

  /** Closes the thread's connection (after what it was sent) and ends the thread. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    await this.request({ kind: 'close' });
    this.worker = undefined;
    await exited;
  }

  private request<T>(message: object): Promise<Reply<T>> {
    const worker = this.worker ?? this.start();
    return new Promise<Reply<T>>((resolve) => {
      this.waiting.push({ resolve: resolve as Waiting['resolve'] });
      worker.ref();
      worker.postMessage(message);
    });
  }

  private start(): Worker {
    const worker = new Worker(this.script, {
      workerData: {
        fileName: this.fileName,
        storageCodes: STORAGE_FAILURE_CODES,
      },
    });
    worker.unref();
    worker.on('message', (reply: Reply<unknown>) => {
      const next = this.waiting.shift();
      if (this.waiting.length === 0) worker.unref();
      next?.resolve(reply);
    });
    const died = (reason: string) => {
      if (this.worker === worker) this.worker = undefined;
      const waiting = this.waiting;
      this.waiting = [];
      for (const w of waiting)
        w.resolve({ failure: { code: 'WRITER_EXITED', message: reason } });
    };
    worker.on('error', (error) =>
      died(`writer thread failed: ${error.message}`),
    );
    worker.on('exit', (code) => died(`writer thread exited (${code})`));
    this.worker = worker;
    return worker;
  }
}
