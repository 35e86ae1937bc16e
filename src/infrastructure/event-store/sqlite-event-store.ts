import { v7 as timeOrderedUuid } from 'uuid';
import BetterSqlite3, {
  type Database,
  type Statement,
  type Transaction,
} from 'better-sqlite3';
import {
  checkExpectedVersion,
  NO_STREAM_VERSION,
  appendResultOf,
  assertDistinctEventIds,
  resolveRetriedAppend,
  streamIdError,
  type StoredId,
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
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

type EventRow = [
  position: number,
  streamId: string,
  version: number,
  eventId: string,
  type: string,
  data: string,
  metadata: string,
  recordedAt: string,
];

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
 * Writes go through a single writer with group commit: appends that arrive while the event
 * loop is busy are queued and committed together on the next turn, in one transaction and
 * so one fsync. Each append keeps its own expected-version check and its own error without
 * affecting the others in the batch: everything that can refuse an append (its expected
 * version, its event ids) is checked before its first row is written, so a refused append
 * leaves nothing behind. Every append's promise
 * settles only after the commit is durable.
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
  private closed = false;
  /** Set by a write the storage refused, cleared by the next write it takes. */
  private writeFailure: Extract<WriteHealth, { writable: false }> | undefined;
  private readonly maxBatch: number;
  private readonly clock: Clock;
  /** The newest committed events, for followers reading at the head. */
  private readonly recent: RecentEvents;
  /** What the transaction being committed inserts, as a read will give it back. */
  private inserting: RecordedEvent[] = [];
  private readonly stmt: {
    version: Statement<[string], number>;
    byEventId: Statement<[string], EventRow>;
    insert: Statement<[string, number, string, string, string, string, string]>;
    readStream: Statement<[string, number, number], EventRow>;
    readAll: Statement<[number, number], EventRow>;
    readAllFiltered: Statement<[FilterParams], EventRow>;
    head: Statement<[], number | null>;
  };
  private readonly snapshot: Transaction<(fn: () => unknown) => unknown>;
  private readonly probe: Transaction<() => void>;
  private readonly commitBatch: Transaction<
    (batch: PendingAppend[]) => Array<{ ok: AppendResult } | { error: unknown }>
  >;

  private constructor(
    private readonly db: Database,
    options: SqliteEventStoreOptions,
  ) {
    this.maxBatch = options.maxBatch ?? 2000;
    this.recent = new RecentEvents(options.recentEvents ?? RECENT_EVENTS);
    this.clock = options.clock ?? systemClock;
    const prepare = <P extends unknown[], R>(sql: string, raw: boolean) => {
      const s = db.prepare<P, R>(sql);
      return raw ? s.raw(true) : s.pluck(true);
    };
    this.stmt = {
      version: prepare(
        'SELECT stream_version FROM events WHERE stream_id = ? ORDER BY stream_version DESC LIMIT 1',
        false,
      ),
      byEventId: prepare(
        `SELECT ${COLUMNS} FROM events WHERE event_id = ?`,
        true,
      ),
      insert: db.prepare(
        'INSERT INTO events (stream_id, stream_version, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
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
    this.commitBatch = db.transaction((batch: PendingAppend[]) =>
      batch.map((p) => {
        try {
          return { ok: this.appendOne(p) };
        } catch (error) {
          // SQLite rolls the whole transaction back on these: the batch fails as one.
          if (storageFailureOf(error)) throw error;
          return { error };
        }
      }),
    );
    const insertProbe = db.prepare<[number]>(
      'INSERT INTO write_probe (pad) VALUES (zeroblob(?))',
    );
    const clearProbe = db.prepare('DELETE FROM write_probe');
    this.probe = db.transaction(() => {
      insertProbe.run(PROBE_BYTES);
      clearProbe.run();
    });
  }

  /** Opens (and creates or migrates) the store file. Throws if it is not a usable database. */
  static open(
    fileName: string,
    options: SqliteEventStoreOptions = {},
  ): SqliteEventStore {
    const db = new BetterSqlite3(fileName);
    try {
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
    return new Promise((resolve, reject) => {
      this.pending.push({ streamId, events, options, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      let outcomes: Array<{ ok: AppendResult } | { error: unknown }>;
      this.inserting = [];
      try {
        outcomes = this.commitBatch.immediate(batch);
        this.commitCount++;
        this.writeFailure = undefined;
      } catch (error) {
        this.inserting = [];
        const failure = storageFailureOf(error);
        const reason = failure ? this.unavailable(failure) : error;
        for (const p of batch) p.reject(reason);
        continue;
      }
      this.recent.add(this.inserting);
      this.inserting = [];
      this.notifier.advance(this.stmt.head.get() ?? 0);
      outcomes.forEach((outcome, i) => {
        const p = batch[i]!;
        if ('ok' in outcome) p.resolve(outcome.ok);
        else p.reject(outcome.error);
      });
    }
  }

  /** One append inside the batch transaction; a throw rolls back only this append. */
  private appendOne({
    streamId,
    events,
    options,
  }: PendingAppend): AppendResult {
    assertDistinctEventIds(streamId, events);
    const retried = resolveRetriedAppend(
      streamId,
      events.map((e) => (e.eventId ? this.storedId(e.eventId) : undefined)),
    );
    if (retried) return retried;
    const current = this.stmt.version.get(streamId) ?? NO_STREAM_VERSION;
    checkExpectedVersion(streamId, options.expectedVersion, current);
    if (events.length === 0) {
      return { nextExpectedVersion: current, globalPositions: [], events: [] };
    }
    return this.insertAll(streamId, events, current);
  }

  private insertAll(
    streamId: string,
    events: readonly EventToAppend[],
    current: number,
  ): AppendResult {
    const recordedAt = this.clock.now().toISOString();
    const recorded = events.map((e, i): RecordedEvent => {
      const streamVersion = current + 1 + i;
      // Time-ordered ids keep the event-id index append-only: random ones dirty a
      // random index page per event, and so many more pages per commit.
      const eventId = e.eventId ?? timeOrderedUuid();
      const metadata = e.metadata ?? {};
      const data = JSON.stringify(e.data);
      const meta = JSON.stringify(metadata);
      const info = this.stmt.insert.run(
        streamId,
        streamVersion,
        eventId,
        e.type,
        data,
        meta,
        recordedAt,
      );
      const globalPosition = Number(info.lastInsertRowid);
      this.inserting.push({
        eventId,
        streamId,
        streamVersion,
        globalPosition,
        type: e.type,
        data: JSON.parse(data) as object,
        metadata: JSON.parse(meta) as RecordedEvent['metadata'],
        recordedAt,
      });
      return {
        eventId,
        streamId,
        streamVersion,
        globalPosition,
        type: e.type,
        // Events are plain JSON, so the caller's objects read back as they were stored.
        data: e.data,
        metadata,
        recordedAt,
      };
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
  checkWritable(): Promise<WriteHealth> {
    return settle((): WriteHealth => {
      if (this.closed) throw new EventStoreClosedError();
      if (this.writeFailure) {
        try {
          this.probe.immediate();
          this.writeFailure = undefined;
        } catch (error) {
          const failure = storageFailureOf(error);
          if (!failure) throw error;
          this.unavailable(failure);
        }
      }
      return this.writeFailure ?? { writable: true };
    });
  }

  private storedId(eventId: string): StoredId | undefined {
    const row = this.stmt.byEventId.get(eventId);
    return row ? toRecorded(row) : undefined;
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
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.flush();
    this.notifier.close();
    this.db.close();
    return Promise.resolve();
  }

  /** Runs a read in one snapshot (a deferred transaction), so head and rows agree. */
  private read<T>(fn: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new EventStoreClosedError());
    return settle(() => this.snapshot.deferred(fn) as T);
  }
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
