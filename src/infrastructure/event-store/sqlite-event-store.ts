import { v7 as timeOrderedUuid } from 'uuid';
import BetterSqlite3, {
  type Database,
  type Statement,
  type Transaction,
} from 'better-sqlite3';
import {
  checkExpectedVersion,
  appendResultOf,
  assertDistinctEventIds,
  resolveRetriedAppend,
  streamIdError,
} from './append-rules';
import { type Clock, systemClock } from '../clock/clock';
import { CatchUpSubscription } from './catch-up-subscription';
import {
  EventStoreClosedError,
  EventStoreUnavailableError,
} from './event-store.errors';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  EventSubscription,
  EventToAppend,
  ReadAllOptions,
  ReadAllPage,
  ReadStreamOptions,
  RecordedEvent,
  StoreWriteHealth,
  SubscribeOptions,
  WriteHealth,
} from './event-store.port';
import { HeadNotifier } from './head-notifier';
import { RECENT_EVENTS, RecentEvents } from './recent-events';
import { settle } from './settle';
import { migrateEventStoreSchema } from './sqlite-schema';
import {
  SqliteWriter,
  type WriterAppend,
  type WriterError,
  type WriterOutcome,
  type WriterRow,
} from './sqlite-writer';
import { type StorageFailure, storageFailureOf } from './storage-failure';

export interface SqliteEventStoreOptions {
  /** Most appends committed in one transaction. */
  maxBatch?: number;
  clock?: Clock;
  /** Newest events kept in memory for followers at the head; 0 keeps none (`bench:store`). */
  recentEvents?: number;
}

interface PendingAppend {
  streamId: string;
  events: readonly EventToAppend[];
  options: AppendOptions;
  append: Omit<WriterAppend, 'recordedAt'>;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

type EventRow = WriterRow;

interface FilterParams {
  from: number;
  types: string | null;
  prefix: string | null;
  limit: number;
}

/**
 * What a probe write allocates: the body limit, about the most one command can append. A
 * probe that needs no new space would report a full disk as writable.
 */
const PROBE_BYTES = 64 * 1024;

const COLUMNS =
  'global_position, stream_id, stream_version, event_id, type, data, metadata, recorded_at';

/**
 * The event store on one SQLite file (better-sqlite3, WAL, synchronous=FULL).
 *
 * Writes go through a single writer with group commit, on a thread of its own
 * ({@link SqliteWriter}): appends that arrive while a batch is being committed are queued
 * and committed together as the next batch, in one transaction and so one fsync, which
 * waits on the writer's thread and not on the event loop. Each append keeps its own
 * expected-version check and its own error without affecting the others in the batch:
 * everything that can refuse an append (its expected version, its event ids) is checked
 * before its first row is written, so a refused append leaves nothing behind. Every append's
 * promise settles only after the commit is durable; reads (this thread's own connection)
 * see a batch once it is.
 *
 * When the storage cannot take writes (disk full, read-only, I/O error), appends fail with
 * `STORE.UNAVAILABLE` and nothing of their batch is recorded; `checkWritable` reports it
 * until a later write, an append or its own probe, succeeds.
 */
export class SqliteEventStore implements EventStore, StoreWriteHealth {
  /** The engine's name, as readiness reports it. */
  readonly engine = 'sqlite';
  private readonly notifier: HeadNotifier;
  /** Transactions committed by the writer; lets tests see group commit at work. */
  commitCount = 0;
  private pending: PendingAppend[] = [];
  private flushScheduled = false;
  /** The batch the writer thread is committing, until it answers. */
  private committing: Promise<void> | undefined;
  private closed = false;
  private readonly writer: SqliteWriter;
  /** Set by a write the storage refused, cleared by the next write it takes. */
  private writeFailure: Extract<WriteHealth, { writable: false }> | undefined;
  private readonly maxBatch: number;
  private readonly clock: Clock;
  /** The newest committed events, for followers reading at the head. */
  private readonly recent: RecentEvents;
  private readonly stmt: {
    readStream: Statement<[string, number, number], EventRow>;
    readAll: Statement<[number, number], EventRow>;
    readAllFiltered: Statement<[FilterParams], EventRow>;
    head: Statement<[], number | null>;
  };
  private readonly snapshot: Transaction<(fn: () => unknown) => unknown>;

  private constructor(
    private readonly db: Database,
    options: SqliteEventStoreOptions,
  ) {
    this.writer = new SqliteWriter(db.name);
    this.maxBatch = options.maxBatch ?? 2000;
    this.recent = new RecentEvents(options.recentEvents ?? RECENT_EVENTS);
    this.clock = options.clock ?? systemClock;
    const prepare = <P extends unknown[], R>(sql: string, raw: boolean) => {
      const s = db.prepare<P, R>(sql);
      return raw ? s.raw(true) : s.pluck(true);
    };
    this.stmt = {
      readStream: prepare(
        `SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND stream_version >= ? ORDER BY stream_version LIMIT ?`,
        true,
      ),
      readAll: prepare(
        `SELECT ${COLUMNS} FROM events WHERE global_position >= ? ORDER BY global_position LIMIT ?`,
        true,
      ),
      readAllFiltered: prepare(
        `SELECT ${COLUMNS} FROM events WHERE global_position >= @from
           AND (@types IS NULL OR type IN (SELECT value FROM json_each(@types)))
           AND (@prefix IS NULL OR substr(stream_id, 1, length(@prefix)) = @prefix)
         ORDER BY global_position LIMIT @limit`,
        true,
      ),
      head: prepare('SELECT MAX(global_position) FROM events', false),
    };
    this.notifier = new HeadNotifier(this.stmt.head.get() ?? 0);
    this.snapshot = db.transaction((fn: () => unknown) => fn());
  }

  /** Opens (and creates or migrates) the store file. Throws if it is not a usable database. */
  static open(
    fileName: string,
    options: SqliteEventStoreOptions = {},
  ): SqliteEventStore {
    const db = new BetterSqlite3(fileName);
    try {
      if (db.memory)
        throw new Error(
          'the SQLite event store needs a file: its writer thread opens it too',
        );
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
      db.pragma('cache_size = -65536');
      migrateEventStoreSchema(db);
      return new SqliteEventStore(db, options);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new EventStoreClosedError());
    const invalid = streamIdError(streamId);
    if (invalid) return Promise.reject(invalid);
    let append: PendingAppend['append'];
    try {
      append = this.prepare(streamId, events, options);
    } catch (error) {
      return Promise.reject(
        error instanceof Error ? error : new Error(String(error)),
      );
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ streamId, events, options, append, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * The append as the writer thread takes it: checked for repeated ids, its missing ids
   * made, its events as the JSON that will be stored.
   */
  private prepare(
    streamId: string,
    events: readonly EventToAppend[],
    options: AppendOptions,
  ): PendingAppend['append'] {
    assertDistinctEventIds(streamId, events);
    return {
      streamId,
      expected: options.expectedVersion,
      givenIds: events.map((e) => e.eventId ?? null),
      rows: events.map((e) => [
        // Time-ordered ids keep the event-id index append-only: random ones dirty a
        // random index page per event, and so many more pages per commit.
        e.eventId ?? timeOrderedUuid(),
        e.type,
        JSON.stringify(e.data),
        JSON.stringify(e.metadata ?? {}),
      ]),
    };
  }

  /** Sends the next batch to the writer thread, unless one is being committed. */
  private flush(): void {
    this.flushScheduled = false;
    if (this.committing || this.pending.length === 0) return;
    const batch = this.pending.splice(0, this.maxBatch);
    this.committing = this.commit(batch)
      // Not expected (every outcome is settled inside), but no append may wait forever.
      .catch((error: unknown) => batch.forEach((p) => p.reject(error)))
      .finally(() => {
        this.committing = undefined;
        this.flush();
      });
  }

  private async commit(batch: PendingAppend[]): Promise<void> {
    const recordedAt = this.clock.now().toISOString();
    const reply = await this.writer.commit(
      batch.map((p) => ({ ...p.append, recordedAt })),
    );
    if ('failure' in reply) {
      const failure = storageFailureOf(reply.failure);
      const reason = failure
        ? this.unavailable(failure)
        : writerError(reply.failure);
      for (const p of batch) p.reject(reason);
      return;
    }
    this.commitCount++;
    this.writeFailure = undefined;
    const committed: RecordedEvent[] = [];
    const results = batch.map(
      (p, i): { ok: AppendResult } | { error: unknown } => {
        try {
          return { ok: this.resultOf(p, reply.ok[i]!, recordedAt, committed) };
        } catch (error) {
          return { error };
        }
      },
    );
    this.recent.add(committed);
    const last = committed.at(-1);
    if (last) this.notifier.advance(last.globalPosition);
    results.forEach((result, i) => {
      const p = batch[i]!;
      if ('ok' in result) p.resolve(result.ok);
      else p.reject(result.error);
    });
  }

  /**
   * What one append of a committed batch gives its caller, by the shared append rules;
   * the events it wrote are added to `committed` as a read will give them back.
   */
  private resultOf(
    { streamId, events, options, append }: PendingAppend,
    outcome: WriterOutcome,
    recordedAt: string,
    committed: RecordedEvent[],
  ): AppendResult {
    if ('error' in outcome) throw writerError(outcome.error);
    if ('stored' in outcome) {
      const retried = resolveRetriedAppend(
        streamId,
        outcome.stored.map((row) => (row ? toRecorded(row) : undefined)),
      );
      if (retried) return retried;
      throw new Error(`writer reported no stored event for ${streamId}`);
    }
    const current = outcome.current;
    if ('refused' in outcome) {
      checkExpectedVersion(streamId, options.expectedVersion, current);
      throw new Error(
        `writer refused an append to ${streamId} the append rules accept`,
      );
    }
    if (events.length === 0) {
      return { nextExpectedVersion: current, globalPositions: [], events: [] };
    }
    const recorded = events.map((e, i): RecordedEvent => {
      const [eventId, type, data, meta] = append.rows[i]!;
      const base = {
        eventId,
        streamId,
        streamVersion: current + 1 + i,
        globalPosition: outcome.positions[i]!,
        type,
        recordedAt,
      };
      committed.push({
        ...base,
        data: JSON.parse(data) as object,
        metadata: JSON.parse(meta) as RecordedEvent['metadata'],
      });
      // Events are plain JSON, so the caller's objects read back as they were stored.
      return { ...base, data: e.data, metadata: e.metadata ?? {} };
    });
    return appendResultOf(recorded);
  }

  /** Notes a write the storage refused; the error every append of the batch gets. */
  private unavailable(failure: StorageFailure): EventStoreUnavailableError {
    this.writeFailure = {
      writable: false,
      ...failure,
      since: this.writeFailure?.since ?? this.clock.now().toISOString(),
    };
    return new EventStoreUnavailableError(failure);
  }

  /**
   * Whether the store can record events. After a refused write it tries a probe write (one
   * transaction that allocates {@link PROBE_BYTES} and frees them again), so that readiness
   * returns by itself once the storage takes writes, even when no command comes to try.
   */
  async checkWritable(): Promise<WriteHealth> {
    if (this.closed) throw new EventStoreClosedError();
    if (this.writeFailure) {
      const reply = await this.writer.probe(PROBE_BYTES);
      if ('ok' in reply) {
        this.writeFailure = undefined;
      } else {
        const failure = storageFailureOf(reply.failure);
        if (!failure) throw writerError(reply.failure);
        this.unavailable(failure);
      }
    }
    return this.writeFailure ?? { writable: true };
  }

  readStream(
    streamId: string,
    { fromVersion = 0, maxCount = -1 }: ReadStreamOptions = {},
  ): Promise<RecordedEvent[]> {
    return this.read(() =>
      this.stmt.readStream.all(streamId, fromVersion, maxCount).map(toRecorded),
    );
  }

  readAll({
    fromPosition = 1,
    limit = 1000,
    filter,
  }: ReadAllOptions = {}): Promise<ReadAllPage> {
    // A follower at the head reads what was just committed: from memory, as stored.
    const recent = this.closed
      ? undefined
      : this.recent.page(
          Math.max(fromPosition, 1),
          limit,
          filter,
          this.notifier.position,
        );
    if (recent) return Promise.resolve(recent);
    return this.read(() => {
      const head = this.stmt.head.get() ?? 0;
      const from = Math.max(fromPosition, 1);
      const rows =
        filter && (filter.types || filter.streamPrefix)
          ? this.stmt.readAllFiltered.all({
              from,
              types: filter.types ? JSON.stringify(filter.types) : null,
              prefix: filter.streamPrefix ?? null,
              limit,
            })
          : this.stmt.readAll.all(from, limit);
      const events = rows.map(toRecorded);
      const full = rows.length >= limit;
      const nextPosition = full
        ? events[events.length - 1]!.globalPosition + 1
        : Math.max(head + 1, from);
      return { events, nextPosition, isEnd: !full };
    });
  }

  headPosition(): Promise<number> {
    return this.read(() => this.stmt.head.get() ?? 0);
  }

  subscribe(options: SubscribeOptions = {}): EventSubscription {
    return new CatchUpSubscription(
      (o) => this.readAll(o),
      this.notifier,
      options,
    );
  }

  /** Commits what is queued, ends subscriptions and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (this.flush(); this.committing; this.flush()) await this.committing;
    await this.writer.close();
    this.notifier.close();
    this.db.close();
  }

  /** Runs a read in one snapshot (a deferred transaction), so head and rows agree. */
  private read<T>(fn: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new EventStoreClosedError());
    return settle(() => this.snapshot.deferred(fn) as T);
  }
}

/** An error the writer thread reported, with its code. */
function writerError({ code, message }: WriterError): Error {
  return Object.assign(new Error(message), code ? { code } : {});
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    globalPosition: row[0],
    streamId: row[1],
    streamVersion: row[2],
    eventId: row[3],
    type: row[4],
    data: JSON.parse(row[5]) as object,
    metadata: JSON.parse(row[6]) as RecordedEvent['metadata'],
    recordedAt: row[7],
  };
}
