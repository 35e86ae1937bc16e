import { escapeIdentifier, escapeLiteral, type ClientBase } from 'pg';

/** Names of the store's objects inside its schema, quoted and qualified for SQL text. */
export interface PostgresTables {
  schema: string;
  events: string;
  head: string;
  writeProbe: string;
  /** The function that commits a group of appends that all pass, in one call. */
  appendGroup: string;
  /** The channel an append's transaction notifies with the new head position. */
  channel: string;
}

/** PostgreSQL truncates identifiers (and so channel names) past 63 bytes. */
const MAX_IDENTIFIER_BYTES = 63;

export function postgresTables(schema: string): PostgresTables {
  const channel = `stackyard_events:${schema}`;
  if (
    schema.length === 0 ||
    Buffer.byteLength(channel) > MAX_IDENTIFIER_BYTES ||
    // Function bodies are dollar-quoted with $fn$, which a schema name must not close.
    schema.includes('$')
  ) {
    throw new TypeError(
      `schema name must be 1 to ${MAX_IDENTIFIER_BYTES - 'stackyard_events:'.length} bytes long, without $: ${JSON.stringify(schema)}`,
    );
  }
  const q = (table: string) =>
    `${escapeIdentifier(schema)}.${escapeIdentifier(table)}`;
  return {
    schema,
    events: q('events'),
    head: q('head'),
    writeProbe: q('write_probe'),
    appendGroup: q('append_group'),
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
  // One call commits a group of appends that all pass (the store's fast path): statements
  // of a volatile function each take a new snapshot, so after the head lock they see every
  // commit up to the current head. Streams are named by their place in `streams` (1-based);
  // each check is `base(stream) = value` (op 'eq') or `<> value` ('ne'); the events' rows
  // carry versions relative to their stream's base and are numbered from the head in order.
  // Nothing is written unless every check passes and no `caller_ids` is stored yet.
  (t) => `
    CREATE FUNCTION ${t.appendGroup}(
      p_streams text[], p_check_streams integer[], p_check_ops text[],
      p_check_values integer[], p_caller_ids text[], p_event_streams integer[],
      p_event_versions integer[], p_ids text[], p_types text[], p_data text[],
      p_metadata text[], p_recorded_at text,
      OUT ok boolean, OUT start bigint, OUT bases integer[])
    LANGUAGE plpgsql VOLATILE AS $fn$
    BEGIN
      -- The snapshots after the lock must see the latest commits: under a stricter default
      -- isolation nothing is written here, and the store takes its two-step way, which
      -- asks for READ COMMITTED itself.
      IF current_setting('transaction_isolation') <> 'read committed' THEN
        ok := false;
        RETURN;
      END IF;
      SELECT h.position INTO start FROM ${t.head} h FOR UPDATE;
      SELECT coalesce(array_agg(coalesce(
               (SELECT e.stream_version FROM ${t.events} e
                WHERE e.stream_id = s.id ORDER BY e.stream_version DESC LIMIT 1), -1)
               ORDER BY s.n), '{}')
        INTO bases
        FROM unnest(p_streams) WITH ORDINALITY AS s(id, n);
      ok := NOT EXISTS (
              SELECT 1
              FROM unnest(p_check_streams, p_check_ops, p_check_values) AS c(s, op, v)
              WHERE CASE c.op WHEN 'eq' THEN bases[c.s] <> c.v ELSE bases[c.s] = c.v END)
            AND (cardinality(p_caller_ids) = 0 OR NOT EXISTS (
              SELECT 1 FROM ${t.events} e WHERE e.event_id = ANY (p_caller_ids)));
      IF ok AND cardinality(p_ids) > 0 THEN
        INSERT INTO ${t.events} (global_position, stream_id, stream_version, event_id, type,
                                 data, metadata, recorded_at)
          SELECT start + r.n, p_streams[r.s], bases[r.s] + r.v, r.id, r.type, r.data::json,
                 r.metadata::json, p_recorded_at
          FROM unnest(p_event_streams, p_event_versions, p_ids, p_types, p_data, p_metadata)
               WITH ORDINALITY AS r(s, v, id, type, data, metadata, n);
        UPDATE ${t.head} SET position = start + cardinality(p_ids);
        PERFORM pg_notify(${escapeLiteral(t.channel)}, (start + cardinality(p_ids))::text);
      END IF;
    END
    $fn$;`,
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
