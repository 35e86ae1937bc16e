import { escapeIdentifier, type ClientBase } from 'pg';

/** Names of the store's objects inside its schema, quoted and qualified for SQL text. */
export interface PostgresTables {
  schema: string;
  events: string;
  head: string;
  writeProbe: string;
  /** The channel an append's transaction notifies with the new head position. */
  channel: string;
}

/** PostgreSQL truncates identifiers (and so channel names) past 63 bytes. */
const MAX_IDENTIFIER_BYTES = 63;

export function postgresTables(schema: string): PostgresTables {
  const channel = `stackyard_events:${schema}`;
  if (
    schema.length === 0 ||
    Buffer.byteLength(channel) > MAX_IDENTIFIER_BYTES
  ) {
    throw new TypeError(
      `schema name must be 1 to ${MAX_IDENTIFIER_BYTES - 'stackyard_events:'.length} bytes long: ${JSON.stringify(schema)}`,
    );
  }
  const q = (table: string) =>
    `${escapeIdentifier(schema)}.${escapeIdentifier(table)}`;
  return {
    schema,
    events: q('events'),
    head: q('head'),
    writeProbe: q('write_probe'),
    channel,
  };
}

/**
 * The store's schema, one migration per entry, recorded in `schema_version`.
 *
 * `head` is a single row holding the global position of the newest committed event. Every
 * append transaction locks it first and moves it last (see PostgresEventStore): positions
 * come from it, not from a sequence, so they are gapless and in commit order. `recorded_at`
 * is the store clock's ISO-8601 text, as the SQLite store keeps it; `data` and `metadata`
 * are `json` (kept as written, key order included), not `jsonb`.
 */
const MIGRATIONS: ReadonlyArray<(t: PostgresTables) => string> = [
  (t) => `
    CREATE TABLE ${t.events} (
      global_position bigint  PRIMARY KEY,
      stream_id       text    NOT NULL,
      stream_version  integer NOT NULL,
      event_id        text    NOT NULL,
      type            text    NOT NULL,
      data            json    NOT NULL,
      metadata        json    NOT NULL,
      recorded_at     text    NOT NULL
    );
    CREATE UNIQUE INDEX events_stream ON ${t.events} (stream_id, stream_version);
    CREATE UNIQUE INDEX events_event_id ON ${t.events} (event_id);
    CREATE TABLE ${t.head} (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      position  bigint  NOT NULL
    );
    INSERT INTO ${t.head} (position) VALUES (0);
    -- Written by the store's write probe, never read.
    CREATE TABLE ${t.writeProbe} (
      singleton boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
      probed_at timestamptz NOT NULL
    );`,
];

/**
 * Creates the schema or brings it up to date. Several instances may start at once: the
 * migration runs under a transaction-scoped advisory lock keyed by the schema's name.
 */
export async function migrateEventStoreSchema(
  client: ClientBase,
  tables: PostgresTables,
): Promise<void> {
  const schema = escapeIdentifier(tables.schema);
  const versionTable = `${schema}.${escapeIdentifier('schema_version')}`;
  await client.query('BEGIN');
  try {
    await client.query(
      `SELECT pg_advisory_xact_lock(hashtext('stackyard_events'), hashtext($1))`,
      [tables.schema],
    );
    // CREATE SCHEMA IF NOT EXISTS needs the right to create schemas even when the schema is
    // there: a role that only owns its schema could not open the store.
    const existing = await client.query<{ present: boolean }>(
      'SELECT to_regnamespace($1) IS NOT NULL AS present',
      [escapeIdentifier(tables.schema)],
    );
    if (!existing.rows[0]!.present)
      await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${versionTable} (
         singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
         version   integer NOT NULL
       )`,
    );
    const { rows } = await client.query<{ version: number }>(
      `SELECT version FROM ${versionTable}`,
    );
    const current = rows[0]?.version ?? 0;
    if (current > MIGRATIONS.length) {
      throw new Error(
        `event store schema version ${current} is newer than this build knows (${MIGRATIONS.length})`,
      );
    }
    for (let version = current; version < MIGRATIONS.length; version++) {
      await client.query(MIGRATIONS[version]!(tables));
    }
    if (current < MIGRATIONS.length) {
      await client.query(
        `INSERT INTO ${versionTable} (version) VALUES ($1)
         ON CONFLICT (singleton) DO UPDATE SET version = excluded.version`,
        [MIGRATIONS.length],
      );
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
