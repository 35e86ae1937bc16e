import { v7 as timeOrderedUuid } from 'uuid';
import {
  Client,
  Pool,
  escapeIdentifier,
  type ClientBase,
  type ClientConfig,
  type Notification,
  type PoolClient,
  type QueryArrayResult,
} from 'pg';
import {
  NO_STREAM_VERSION,
  appendResultOf,
  assertDistinctEventIds,
  checkExpectedVersion,
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
import {
  type PostgresTables,
  migrateEventStoreSchema,
  postgresTables,
} from './postgres-schema';
import { postgresStorageFailureOf } from './postgres-storage-failure';
import type { StorageFailure } from './storage-failure';

export interface PostgresEventStoreOptions {
  /** The schema holding the store's tables, created if missing; default `stackyard`. */
  schema?: string;
  /** Most appends committed in one transaction. */
  maxBatch?: number;
  /** Most events committed in one transaction (a larger single append still goes alone). */
  maxBatchEvents?: number;
  /**
   * How often a subscription that waits for new events reads the head itself, in case a
   * notification was lost (the listening connection dropped): a lost one only delays.
   */
  pollIntervalMs?: number;
  /** Connections for appends and reads. */
  poolSize?: number;
  /** How long opening a connection may take before it counts as a failure. */
  connectTimeoutMs?: number;
  /** Names the store's connections in `pg_stat_activity`; default `stackyard:<schema>`. */
  applicationName?: string;
  clock?: Clock;
}

/** One append of a group, as `appendInTransaction` takes it. */
export interface AppendRequest {
  streamId: string;
  events: readonly EventToAppend[];
  options: AppendOptions;
}

export type AppendOutcome = { ok: AppendResult } | { error: unknown };

interface PendingAppend extends AppendRequest {
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/** global_position, stream_id, stream_version, event_id, type, data, metadata, recorded_at */
type EventRow = [
  position: string | number,
  streamId: string,
  version: number,
  eventId: string,
  type: string,
  data: object,
  metadata: RecordedEvent['metadata'],
  recordedAt: string,
];

const COLUMNS =
  'global_position, stream_id, stream_version, event_id, type, data, metadata, recorded_at';

/**
 * Runs one group of appends inside the caller's open transaction, which must then commit
 * (or roll back) to make it count. Each append is checked on its own (expected version,
 * event ids, storable text) against the store as committed and against the appends before
 * it in the group; a refused one gets its error and writes nothing, without affecting the
 * others. Everything accepted is written by one statement, which also moves the head and
 * notifies listeners at commit.
 *
 * Ordering: the first statement locks the single `head` row, and positions are taken from
 * it. A second writer (another instance) blocks on that lock until the first commits, so
 * positions are handed out in commit order and without gaps; and since a commit becomes
 * visible before its row lock is released, a reader that sees position N+1 also sees N.
 * PostgreSQL sequences would hand out N and N+1 to two open transactions that may commit
 * in reverse order, and a reader that moved past N+1 would skip N. Serializing commits
 * costs little here: the store commits a whole group of queued appends per transaction.
 * (The alternative, recording `pg_current_xact_id()` per row and reading only below the
 * snapshot's xmin as Emmett does, lets commits run in parallel but leaves gaps in the
 * positions, which the port promises not to have.)
 *
 * Exported so that tests can hold such a transaction open from a connection of their own.
 */
export function appendInTransaction(
  client: ClientBase,
  tables: PostgresTables,
  batch: readonly AppendRequest[],
  recordedAt: string,
): Promise<{ outcomes: AppendOutcome[]; head: number }> {
  return appendGroup(client, tables, batch, recordedAt, false);
}

/**
 * The group's transaction: in one round trip when every append of it passes (see
 * FastGroup), else in two: `BEGIN`, the lock and the read of what the group needs to know
 * go as one multi-statement query, the write and `COMMIT` as another (with `own` false,
 * the caller's transaction is used and left open, and only this way is taken).
 * Multi-statement queries take no parameters, so values go in as escaped literals.
 */
async function appendGroup(
  client: ClientBase,
  tables: PostgresTables,
  batch: readonly AppendRequest[],
  recordedAt: string,
  own: boolean,
): Promise<{ outcomes: AppendOutcome[]; head: number; oneTrip?: true }> {
  if (own) {
    const fast = FastGroup.of(batch, recordedAt);
    const done = fast && (await fast.run(client, tables));
    if (done) return { ...done, oneTrip: true };
  }
  // Text PostgreSQL cannot hold is left out: the plan refuses its appends.
  const storable = (text: string) => textError('', text) === undefined;
  const streams = [...new Set(batch.map((p) => p.streamId))].filter(storable);
  const ids = [
    ...new Set(batch.flatMap((p) => p.events.flatMap((e) => e.eventId ?? []))),
  ].filter(storable);
  const jsonList = (values: readonly string[]) =>
    `${literal(JSON.stringify(values))}::json`;
  // Statements after the lock take a new snapshot (READ COMMITTED, whatever the database's
  // default): they see every commit up to the current head, and no other writer can commit
  // until this transaction ends.
  const read = await client.query({
    text: `${own ? 'BEGIN ISOLATION LEVEL READ COMMITTED;' : ''}
      SELECT position FROM ${tables.head} FOR UPDATE;
      SELECT
        (SELECT json_object_agg(s.id, (SELECT e.stream_version FROM ${tables.events} e
                                       WHERE e.stream_id = s.id
                                       ORDER BY e.stream_version DESC LIMIT 1))
           FROM json_array_elements_text(${jsonList(streams)}) AS s(id)),
        ${
          ids.length === 0
            ? 'NULL::json'
            : `(SELECT json_agg(json_build_array(${COLUMNS})) FROM ${tables.events}
                WHERE event_id IN (SELECT json_array_elements_text(${jsonList(ids)})))`
        }`,
    rowMode: 'array',
  });
  const [locked, state] = (read as unknown as QueryArrayResult[]).slice(-2);
  const start = Number(locked!.rows[0]![0]);
  const [versions, stored] = state!.rows[0]! as [
    Record<string, number | null> | null,
    EventRow[] | null,
  ];
  const plan = new GroupPlan(start, versions, stored ?? [], recordedAt);
  const outcomes = batch.map((p): AppendOutcome => {
    try {
      return { ok: plan.add(p) };
    } catch (error) {
      return { error };
    }
  });
  const statements: string[] = [];
  if (plan.head > start) {
    statements.push(
      `WITH written AS (
         INSERT INTO ${tables.events} (${COLUMNS}) VALUES ${plan.rowsSql()}
       ), moved AS (
         UPDATE ${tables.head} SET position = ${plan.head}
       )
       SELECT pg_notify(${literal(tables.channel)}, '${plan.head}')`,
    );
  }
  if (own) statements.push('COMMIT');
  if (statements.length > 0) await client.query(statements.join(';\n'));
  return { outcomes, head: plan.head };
}

/**
 * A group of appends that should all succeed, committed in one round trip: one call of the
 * schema's `append_group` function (see postgres-schema), a prepared statement that runs as
 * its own transaction. Under the head lock, the function reads each stream's last version,
 * checks the group, and writes it, moves the head and notifies only if every append passes.
 * Positions and stream versions go in relative to the head and to each stream's last
 * version. The group passes when every expected version holds and none of the event ids the
 * callers chose is stored yet (generated ids are new by construction); anything else (a
 * retry, a conflict, an id named twice, text PostgreSQL cannot hold) commits nothing and
 * goes to the two-round-trip path, which decides each append on its own. Both paths apply
 * the same rules (append-rules): the function only tells whether they could refuse anything.
 */
class FastGroup {
  private constructor(
    private readonly batch: readonly AppendRequest[],
    /** Per append: its events with positions and versions relative to head and base. */
    private readonly planned: readonly RecordedEvent[][],
    /** Per append: the events of its stream before it in the group. */
    private readonly before: readonly number[],
    private readonly args: readonly unknown[],
  ) {}

  /** The group's fast form, or undefined when it may hold an append to refuse. */
  static of(
    batch: readonly AppendRequest[],
    recordedAt: string,
  ): FastGroup | undefined {
    const streams = new Map<string, number>();
    const callerIds = new Set<string>();
    const written = new Map<string, number>();
    const planned: RecordedEvent[][] = [];
    const before: number[] = [];
    const check = {
      streams: [] as number[],
      ops: [] as string[],
      values: [] as number[],
    };
    const rows = {
      streams: [] as number[],
      versions: [] as number[],
      ids: [] as string[],
      types: [] as string[],
      data: [] as string[],
      metadata: [] as string[],
    };
    let offset = 0;
    for (const { streamId, events, options } of batch) {
      if (streamIdError(streamId) ?? textError('', streamId)) return undefined;
      // 1-based, as PostgreSQL arrays are.
      const stream = streams.get(streamId) ?? streams.size + 1;
      streams.set(streamId, stream);
      const prior = written.get(streamId) ?? 0;
      const expected = options.expectedVersion;
      const expect = (op: 'eq' | 'ne', value: number) => {
        check.streams.push(stream);
        check.ops.push(op);
        check.values.push(value);
      };
      if (expected === 'no_stream') {
        if (prior > 0) return undefined;
        expect('eq', NO_STREAM_VERSION);
      } else if (expected === 'stream_exists') {
        if (prior === 0) expect('ne', NO_STREAM_VERSION);
      } else if (expected !== 'any') {
        // The function takes 32-bit integers, as stream_version is.
        if (!Number.isInteger(expected) || Math.abs(expected) > 2 ** 31 - 1)
          return undefined;
        expect('eq', expected - prior);
      }
      const recorded: RecordedEvent[] = [];
      for (const [i, e] of events.entries()) {
        if (e.eventId !== undefined) {
          if (callerIds.has(e.eventId)) return undefined;
          callerIds.add(e.eventId);
        }
        const eventId = e.eventId ?? timeOrderedUuid();
        if (textError('', e.type) ?? textError('', eventId)) return undefined;
        const metadata = e.metadata ?? {};
        const data = jsonOrUndefined(e.data);
        const meta = jsonOrUndefined(metadata);
        if (data === undefined || meta === undefined) return undefined;
        const event: RecordedEvent = {
          eventId,
          streamId,
          streamVersion: prior + 1 + i,
          globalPosition: offset + 1 + i,
          type: e.type,
          data: e.data,
          metadata,
          recordedAt,
        };
        rows.streams.push(stream);
        rows.versions.push(event.streamVersion);
        rows.ids.push(eventId);
        rows.types.push(e.type);
        rows.data.push(data);
        rows.metadata.push(meta);
        recorded.push(event);
      }
      offset += events.length;
      written.set(streamId, prior + events.length);
      planned.push(recorded);
      before.push(prior);
    }
    return new FastGroup(batch, planned, before, [
      [...streams.keys()],
      check.streams,
      check.ops,
      check.values,
      [...callerIds],
      rows.streams,
      rows.versions,
      rows.ids,
      rows.types,
      rows.data,
      rows.metadata,
      recordedAt,
    ]);
  }

  /** Commits the group if every append passes; undefined (nothing written) if not. */
  async run(
    client: ClientBase,
    tables: PostgresTables,
  ): Promise<{ outcomes: AppendOutcome[]; head: number } | undefined> {
    const { rows } = await client.query<[boolean, string, number[]]>({
      // Named, so that each connection parses and plans it once.
      name: `stackyard_append_group:${tables.schema}`,
      text: `SELECT ok, start, bases FROM ${tables.appendGroup}(
               $1::text[], $2::integer[], $3::text[], $4::integer[], $5::text[],
               $6::integer[], $7::integer[], $8::text[], $9::text[], $10::text[],
               $11::text[], $12::text)`,
      values: this.args as unknown[],
      rowMode: 'array',
    });
    const [passed, start, bases] = rows[0]!;
    if (!passed) return undefined;
    const head = Number(start);
    const streamIndex = new Map(
      (this.args[0] as string[]).map((id, i) => [id, i]),
    );
    const outcomes = this.batch.map((p, i): AppendOutcome => {
      const base = bases[streamIndex.get(p.streamId)!]!;
      const recorded = this.planned[i]!.map((e) => ({
        ...e,
        globalPosition: head + e.globalPosition,
        streamVersion: base + e.streamVersion,
      }));
      return {
        ok:
          recorded.length === 0
            ? {
                nextExpectedVersion: base + this.before[i]!,
                globalPositions: [],
                events: [],
              }
            : appendResultOf(recorded),
      };
    });
    const count = (this.args[7] as string[]).length;
    return { outcomes, head: head + count };
  }
}

/**
 * The appends of one group, decided one after another as if each were committed before
 * the next: the same rules as the other adapters (append-rules), on the state read under
 * the head lock plus what the group itself adds.
 */
class GroupPlan {
  private readonly versions = new Map<string, number>();
  private readonly byId = new Map<string, RecordedEvent>();
  private readonly rows: string[] = [];

  constructor(
    public head: number,
    versions: Record<string, number | null> | null,
    stored: readonly EventRow[],
    private readonly recordedAt: string,
  ) {
    for (const [streamId, version] of Object.entries(versions ?? {})) {
      if (version !== null) this.versions.set(streamId, version);
    }
    for (const row of stored) {
      const event = toRecorded(row);
      this.byId.set(event.eventId, event);
    }
  }

  add({ streamId, events, options }: AppendRequest): AppendResult {
    const invalid = streamIdError(streamId) ?? textError('streamId', streamId);
    if (invalid) throw invalid;
    assertDistinctEventIds(streamId, events);
    const retried = resolveRetriedAppend(
      streamId,
      events.map((e) => (e.eventId ? this.byId.get(e.eventId) : undefined)),
    );
    if (retried) return retried;
    const current = this.versions.get(streamId) ?? NO_STREAM_VERSION;
    checkExpectedVersion(streamId, options.expectedVersion, current);
    if (events.length === 0) {
      return { nextExpectedVersion: current, globalPositions: [], events: [] };
    }
    // Everything that can refuse the append happens before the group's state changes.
    const rows: string[] = [];
    const recorded = events.map((e, i): RecordedEvent => {
      // Time-ordered ids keep the event-id index append-only.
      const eventId = e.eventId ?? timeOrderedUuid();
      const refused =
        textError('event type', e.type) ?? textError('event id', eventId);
      if (refused) throw refused;
      const metadata = e.metadata ?? {};
      const event: RecordedEvent = {
        eventId,
        streamId,
        streamVersion: current + 1 + i,
        globalPosition: this.head + 1 + i,
        type: e.type,
        // Events are plain JSON, so the caller's objects read back as they were stored.
        data: e.data,
        metadata,
        recordedAt: this.recordedAt,
      };
      rows.push(rowSql(event));
      return event;
    });
    this.head += recorded.length;
    this.versions.set(streamId, current + recorded.length);
    for (const event of recorded) this.byId.set(event.eventId, event);
    this.rows.push(...rows);
    return appendResultOf(recorded);
  }

  /** The rows to insert, as a VALUES list. */
  rowsSql(): string {
    return this.rows.join(',');
  }
}

/**
 * One row of the VALUES list. `data` and `metadata` go in as `json` literals, which
 * PostgreSQL keeps as written: any JSON text, escapes included (`\u0000` in a string is
 * fine there, where functions that take JSON apart, such as json_to_recordset, refuse it).
 */
function rowSql(e: RecordedEvent): string {
  const data = json('event data', e.data);
  const metadata = json('event metadata', e.metadata);
  return `(${e.globalPosition},${literal(e.streamId)},${e.streamVersion},${literal(e.eventId)},${literal(e.type)},${literal(data)},${literal(metadata)},${literal(e.recordedAt)})`;
}

/**
 * A string as an SQL literal, as the driver's escapeLiteral makes it (quotes doubled; with
 * a backslash, an E'' literal with backslashes doubled, right whatever
 * standard_conforming_strings says), by regular expressions: faster on long text.
 */
function literal(text: string): string {
  const quoted = text.replace(/'/g, "''");
  return text.includes('\\')
    ? ` E'${quoted.replace(/\\/g, '\\\\')}'`
    : `'${quoted}'`;
}

/** `value` as JSON text, or undefined where `json` would throw (the slow path says why). */
function jsonOrUndefined(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

function json(what: string, value: unknown): string {
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) throw new TypeError(`${what} must be JSON`);
  return text;
}

const LONE_SURROGATE =
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** PostgreSQL text holds neither NUL characters nor unpaired surrogates. */
function textError(what: string, value: string): TypeError | undefined {
  return value.includes('\u0000') || LONE_SURROGATE.test(value)
    ? new TypeError(
        `${what} cannot be stored: it holds a NUL character or an unpaired surrogate`,
      )
    : undefined;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    globalPosition: Number(row[0]),
    streamId: row[1],
    streamVersion: row[2],
    eventId: row[3],
    type: row[4],
    data: row[5],
    metadata: row[6],
    recordedAt: row[7],
  };
}

/**
 * The event store on PostgreSQL (driver `pg`), in one schema of a database that several
 * service instances may share.
 *
 * Writes use group commit: appends that arrive while a transaction is under way are queued
 * and committed together by the next one, each checked on its own (see
 * {@link appendInTransaction}, which also explains why the global order is the commit
 * order with no gaps). Every append's promise settles only after its commit.
 *
 * Subscriptions are woken by LISTEN/NOTIFY: each append transaction notifies the new head
 * position, and a woken subscription reads the store, which stays the truth. A subscription
 * that waits also reads the head every `pollIntervalMs`, so a notification lost while the
 * listening connection was down only delays it.
 *
 * When the database is unreachable or goes away, appends (and reads) fail with
 * `STORE.UNAVAILABLE` and `checkWritable` reports the driver's code (`ECONNREFUSED`,
 * `57P01`, …); the pool opens new connections as soon as the server is back, so the store
 * recovers by itself. A connection lost while a COMMIT is under way leaves that group's
 * outcome unknown: its appends fail as unavailable, and a retry with the same event ids
 * answers with the first append's events if it did commit.
 */
export class PostgresEventStore implements EventStore, StoreWriteHealth {
  /** The engine's name, as readiness reports it. */
  readonly engine = 'postgresql';
  /** Transactions committed by the writer; lets tests see group commit at work. */
  commitCount = 0;
  /** Of those, the ones that took one round trip (every append of the group passed). */
  oneTripCommits = 0;
  readonly tables: PostgresTables;
  private readonly notifier = new HeadNotifier(0);
  private readonly pool: Pool;
  private readonly connection: ClientConfig;
  private readonly maxBatch: number;
  private readonly maxBatchEvents: number;
  private readonly clock: Clock;
  private readonly applicationName: string;
  private pending: PendingAppend[] = [];
  /** The running flush, if any: it takes queued groups until none is left. */
  private flushing: Promise<void> | undefined;
  private closed = false;
  private schemaReady = false;
  private migrating: Promise<void> | undefined;
  private listener: Client | undefined;
  private connectingListener: Promise<void> | undefined;
  private polling = false;
  private readonly pollIntervalMs: number;
  private readonly pollTimer: NodeJS.Timeout;
  /** Set by a write the database refused, cleared by the next write it takes. */
  private writeFailure: Extract<WriteHealth, { writable: false }> | undefined;

  private constructor(url: string, options: PostgresEventStoreOptions) {
    this.tables = postgresTables(options.schema ?? 'stackyard');
    this.maxBatch = options.maxBatch ?? 1000;
    this.maxBatchEvents = options.maxBatchEvents ?? 20_000;
    this.clock = options.clock ?? systemClock;
    this.applicationName =
      options.applicationName ?? `stackyard:${this.tables.schema}`;
    this.connection = {
      connectionString: url,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      keepAlive: true,
    };
    this.pool = new Pool({
      ...this.connection,
      application_name: this.applicationName,
      max: options.poolSize ?? 10,
    });
    // An idle connection the server ends (restart, pg_terminate_backend) is reported here;
    // the pool drops it and opens a new one when needed.
    this.pool.on('error', () => undefined);
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.pollTimer = setInterval(() => void this.poll(), this.pollIntervalMs);
    this.pollTimer.unref();
  }

  /**
   * Opens the store, creating or migrating its schema. A database that cannot be reached
   * does not fail the open: the store starts unavailable (`checkWritable` says why) and
   * becomes usable once the database answers. Anything else (wrong credentials, a schema
   * newer than this build) does fail it.
   */
  static async open(
    url: string,
    options: PostgresEventStoreOptions = {},
  ): Promise<PostgresEventStore> {
    const store = new PostgresEventStore(url, options);
    try {
      await store.ready();
      await store.listen();
    } catch (error) {
      const failure = postgresStorageFailureOf(error);
      if (!failure) {
        await store.close();
        throw error;
      }
      store.unavailable(failure);
    }
    return store;
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
      // The first append of a turn starts the flush on the next one, so that the appends
      // made meanwhile join its group.
      this.flushing ??= new Promise((done) =>
        setImmediate(() => void this.flush().then(done)),
      );
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      await this.commitGroup(this.takeGroup());
    }
    this.flushing = undefined;
  }

  private takeGroup(): PendingAppend[] {
    let events = 0;
    let count = 0;
    while (count < this.pending.length && count < this.maxBatch) {
      events += this.pending[count]!.events.length;
      if (count > 0 && events > this.maxBatchEvents) break;
      count++;
    }
    return this.pending.splice(0, count);
  }

  /** Commits one group in one transaction; settles every append of it, never throws. */
  private async commitGroup(group: PendingAppend[]): Promise<void> {
    let outcomes: AppendOutcome[];
    let head: number;
    try {
      await this.ready();
      let oneTrip: true | undefined;
      ({ outcomes, head, oneTrip } = await this.runGroup(group));
      this.commitCount++;
      if (oneTrip) this.oneTripCommits++;
      this.writeFailure = undefined;
    } catch (error) {
      const failure = postgresStorageFailureOf(error);
      const reason = failure ? this.unavailable(failure) : error;
      for (const p of group) p.reject(reason);
      return;
    }
    this.notifier.advance(head);
    outcomes.forEach((outcome, i) => {
      const p = group[i]!;
      if ('ok' in outcome) p.resolve(outcome.ok);
      else p.reject(outcome.error);
    });
  }

  /** Runs one group's transaction on a pooled connection; rolls back on failure. */
  private async runGroup(
    group: readonly AppendRequest[],
  ): Promise<{ outcomes: AppendOutcome[]; head: number; oneTrip?: true }> {
    const { client, release } = await this.checkout();
    let failed: Error | undefined;
    try {
      return await appendGroup(
        client,
        this.tables,
        group,
        this.clock.now().toISOString(),
        true,
      );
    } catch (error) {
      failed = asError(error);
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      release(failed);
    }
  }

  /**
   * A pooled connection with a listener for its errors while checked out (the pool only
   * listens while it is idle: an error between two statements would otherwise be thrown as
   * an unhandled 'error' event). A connection that failed is closed, not reused.
   */
  private async checkout(): Promise<{
    client: PoolClient;
    release: (failed?: Error) => void;
  }> {
    const client = await this.pool.connect();
    let lost: Error | undefined;
    const onError = (error: Error) => {
      lost = error;
    };
    client.on('error', onError);
    return {
      client,
      release: (failed) => {
        client.removeListener('error', onError);
        client.release(failed ?? lost);
      },
    };
  }

  /** Notes a failure of the database; the error every append of the group gets. */
  private unavailable(failure: StorageFailure): EventStoreUnavailableError {
    this.writeFailure = {
      writable: false,
      ...failure,
      since: this.writeFailure?.since ?? this.clock.now().toISOString(),
    };
    return new EventStoreUnavailableError(failure);
  }

  /**
   * Whether the store can record events: each check commits a small write of its own, so
   * a database that went away while no append came is reported too, and readiness returns
   * by itself once the database takes writes again.
   */
  async checkWritable(): Promise<WriteHealth> {
    if (this.closed) throw new EventStoreClosedError();
    try {
      await this.readyNow();
      await this.pool.query(
        `INSERT INTO ${this.tables.writeProbe} (probed_at) VALUES (now())
         ON CONFLICT (singleton) DO UPDATE SET probed_at = excluded.probed_at`,
      );
      this.writeFailure = undefined;
    } catch (error) {
      const failure = postgresStorageFailureOf(error);
      if (!failure) throw error;
      this.unavailable(failure);
    }
    return this.writeFailure ?? { writable: true };
  }

  readStream(
    streamId: string,
    { fromVersion = 0, maxCount = -1 }: ReadStreamOptions = {},
  ): Promise<RecordedEvent[]> {
    return this.read(async () => {
      const { rows } = await this.pool.query<EventRow>({
        text: `SELECT ${COLUMNS} FROM ${this.tables.events}
               WHERE stream_id = $1 AND stream_version >= $2
               ORDER BY stream_version LIMIT $3`,
        values: [streamId, fromVersion, maxCount < 0 ? null : maxCount],
        rowMode: 'array',
      });
      return rows.map(toRecorded);
    });
  }

  readAll({
    fromPosition = 1,
    limit = 1000,
    filter,
  }: ReadAllOptions = {}): Promise<ReadAllPage> {
    return this.read(async () => {
      const from = Math.max(fromPosition, 1);
      const values: unknown[] = [from, limit];
      let where = 'global_position >= $1';
      if (filter?.types) {
        values.push(filter.types);
        where += ` AND type = ANY($${values.length}::text[])`;
      }
      if (filter?.streamPrefix) {
        values.push(filter.streamPrefix);
        where += ` AND starts_with(stream_id, $${values.length})`;
      }
      // One statement, so the head and the rows come from one snapshot.
      const { rows } = await this.pool.query<[string, ...EventRow]>({
        text: `SELECT h.position, e.* FROM ${this.tables.head} h
               LEFT JOIN LATERAL (
                 SELECT ${COLUMNS} FROM ${this.tables.events}
                 WHERE ${where} ORDER BY global_position LIMIT $2
               ) e ON true`,
        values,
        rowMode: 'array',
      });
      const head = Number(rows[0]![0]);
      const events =
        rows[0]![1] === null
          ? []
          : rows.map((row) => toRecorded(row.slice(1) as EventRow));
      const full = events.length >= limit;
      const nextPosition = full
        ? events[events.length - 1]!.globalPosition + 1
        : Math.max(head + 1, from);
      return { events, nextPosition, isEnd: !full };
    });
  }

  headPosition(): Promise<number> {
    return this.read(() => this.readHead());
  }

  /**
   * A catch-up subscription that outlives an outage of the database: a read the database
   * cannot answer is tried again every poll interval until it can, or until the
   * subscription or the store closes (then the iteration ends).
   */
  subscribe(options: SubscribeOptions = {}): EventSubscription {
    const closing = new AbortController();
    const inner = new CatchUpSubscription(
      (o) => this.readAllWhenAvailable(o, closing.signal),
      this.notifier,
      options,
    );
    return {
      close: () => {
        closing.abort();
        inner.close();
      },
      [Symbol.asyncIterator]: () => inner[Symbol.asyncIterator](),
    };
  }

  private async readAllWhenAvailable(
    options: ReadAllOptions,
    closing: AbortSignal,
  ): Promise<ReadAllPage> {
    for (;;) {
      try {
        return await this.readAll(options);
      } catch (error) {
        if (!(error instanceof EventStoreUnavailableError)) throw error;
      }
      await abortableDelay(this.pollIntervalMs, closing);
      if (closing.aborted || this.closed) {
        // An empty last page: the subscription sees its close and ends.
        const from = options.fromPosition ?? 1;
        return { events: [], nextPosition: from, isEnd: true };
      }
    }
  }

  /** Commits what is queued, ends subscriptions and closes the connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.pollTimer);
    this.notifier.close();
    await this.flushing;
    await this.connectingListener?.catch(() => undefined);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }

  /** Runs a read once the schema is there; a database that is away makes it unavailable. */
  private async read<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) throw new EventStoreClosedError();
    try {
      await this.ready();
      return await work();
    } catch (error) {
      const failure = postgresStorageFailureOf(error);
      if (failure) throw new EventStoreUnavailableError(failure);
      throw error;
    }
  }

  private async readHead(): Promise<number> {
    const { rows } = await this.pool.query<[string]>({
      text: `SELECT position FROM ${this.tables.head}`,
      rowMode: 'array',
    });
    return Number(rows[0]![0]);
  }

  /** Creates or migrates the schema, once; tried again by the next caller if it failed. */
  private ready(): Promise<void> {
    if (this.schemaReady) return Promise.resolve();
    this.migrating ??= this.migrate().finally(() => {
      this.migrating = undefined;
    });
    return this.migrating;
  }

  /**
   * Like `ready`, but an attempt already under way does not count: it may have started
   * before the database came back. For readiness checks, which report the database as it
   * is now.
   */
  private async readyNow(): Promise<void> {
    await this.migrating?.catch(() => undefined);
    return this.ready();
  }

  private async migrate(): Promise<void> {
    const { client, release } = await this.checkout();
    let failed: Error | undefined;
    try {
      await migrateEventStoreSchema(client, this.tables);
    } catch (error) {
      failed = asError(error);
      throw error;
    } finally {
      release(failed);
    }
    this.notifier.advance(await this.readHead());
    this.schemaReady = true;
  }

  /** Opens the connection that LISTENs for the appends' notifications, once at a time. */
  private listen(): Promise<void> {
    if (this.listener) return Promise.resolve();
    this.connectingListener ??= this.connectListener().finally(() => {
      this.connectingListener = undefined;
    });
    return this.connectingListener;
  }

  private async connectListener(): Promise<void> {
    const client = new Client({
      ...this.connection,
      application_name: `${this.applicationName}:listen`,
    });
    // A lost connection is replaced by the next poll; its error needs no other handling.
    client.on('error', () => undefined);
    client.on('end', () => {
      if (this.listener === client) this.listener = undefined;
    });
    client.on('notification', (message: Notification) => {
      if (message.channel === this.tables.channel && message.payload) {
        this.notifier.advance(Number(message.payload));
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${escapeIdentifier(this.tables.channel)}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.listener = client;
    // Notifications sent before LISTEN took effect are not delivered: read the head now.
    this.notifier.advance(await this.readHead());
  }

  /**
   * The safety net: reconnects the listening connection if it was lost, and reads the head
   * for subscriptions that wait. Failures wait for the next tick (appends and
   * `checkWritable` report them).
   */
  private async poll(): Promise<void> {
    if (this.polling || this.closed) return;
    this.polling = true;
    try {
      await this.ready();
      if (!this.listener) await this.listen();
      else if (this.notifier.waiting > 0)
        this.notifier.advance(await this.readHead());
    } catch {
      // Still away; the next tick tries again.
    } finally {
      this.polling = false;
    }
  }
}
