import { randomBytes } from 'node:crypto';
import { type Server, type Socket, connect, createServer } from 'node:net';
import { escapeIdentifier, type Client } from 'pg';
import type { WriteHealth } from '../../../src/infrastructure/event-store/event-store.port';
import { PostgresEventStore } from '../../../src/infrastructure/event-store/postgres-event-store';
import {
  adminClient,
  createTestSchema,
  follow,
  lockWaitOf,
  testDatabaseUrl,
  type TestSchema,
} from '../../support/pg-schema';

/**
 * A TCP relay in front of the real server: stopping it is the database going away for
 * the store behind it (open connections cut, new ones refused); starting it again on the
 * same port is the database coming back.
 */
class Relay {
  port = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<void> {
    const server = createServer((downstream) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const socket of [downstream, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {
          downstream.destroy();
          upstream.destroy();
        });
      }
      downstream.pipe(upstream).pipe(downstream);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const closed = new Promise<void>((resolve) =>
      server ? server.close(() => resolve()) : resolve(),
    );
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** The test database's URL, with this relay in place of the server. */
  url(): string {
    const url = new URL(testDatabaseUrl());
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }
}

function serverOf(databaseUrl: string): { host: string; port: number } {
  const url = new URL(databaseUrl);
  return { host: url.hostname || '127.0.0.1', port: Number(url.port || 5432) };
}

const event = (n: number) => ({ type: 'Numbered', data: { n } });
const unavailable = (codes: RegExp) =>
  expect.objectContaining({
    code: 'STORE.UNAVAILABLE',
    kind: 'unavailable',
    failure: expect.objectContaining({
      code: expect.stringMatching(codes) as unknown,
    }) as unknown,
  }) as unknown;
/** What a client may meet first when the server goes: a cut, or a refusal. */
const CUT_OR_REFUSED = /^(ECONNREFUSED|ECONNRESET|CONNECTION_TERMINATED)$/;

describe('PostgresEventStore when the database goes away', () => {
  let schema: TestSchema;
  let relay: Relay;
  const stores: PostgresEventStore[] = [];
  const open = async (url: string) => {
    const store = await PostgresEventStore.open(url, {
      schema: schema.name,
      applicationName: `${schema.name}:${stores.length}`,
      pollIntervalMs: 50,
      connectTimeoutMs: 2000,
    });
    stores.push(store);
    return store;
  };

  beforeEach(async () => {
    schema = await createTestSchema();
    relay = new Relay(serverOf(testDatabaseUrl()));
  });

  afterEach(async () => {
    await relay.stop();
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await schema.drop();
  });

  it('refuses appends with STORE.UNAVAILABLE, reports the code, and recovers by itself when the database returns', async () => {
    await relay.start();
    const store = await open(relay.url());
    await store.appendToStream('s', [event(1)], {
      expectedVersion: 'no_stream',
    });
    const live = follow(store);
    await live.until((seen) => seen.length === 1);

    await relay.stop();
    await expect(
      store.appendToStream('s', [event(2)], { expectedVersion: 0 }),
    ).rejects.toEqual(unavailable(CUT_OR_REFUSED));
    const first = await store.checkWritable();
    expect(first).toMatchObject({ writable: false });
    // Every new connection is refused now; the failure keeps its start.
    const away = await store.checkWritable();
    expect(away).toEqual({
      writable: false,
      code: 'ECONNREFUSED',
      reason: 'database refuses connections',
      since: (first as Extract<WriteHealth, { writable: false }>).since,
    });

    await relay.start();
    expect(await store.checkWritable()).toEqual({ writable: true });
    await expect(
      store.appendToStream('s', [event(3)], { expectedVersion: 0 }),
    ).resolves.toMatchObject({ globalPositions: [2] });
    expect((await store.readStream('s')).map((e) => e.data)).toEqual([
      { n: 1 },
      { n: 3 },
    ]);
    // Its subscription follows again, appends of other instances included.
    const other = await open(testDatabaseUrl());
    await other.appendToStream('t', [event(4)], {
      expectedVersion: 'no_stream',
    });
    await live.until((seen) => seen.length === 3);
    await live.close();
    expect(live.seen.map((e) => [e.globalPosition, e.data])).toEqual([
      [1, { n: 1 }],
      [2, { n: 3 }],
      [3, { n: 4 }],
    ]);
  });

  it('opens while the database cannot be reached, unavailable, and becomes usable once it answers', async () => {
    // A port nothing listens on, until the relay starts there.
    await relay.start();
    await relay.stop();
    const store = await open(relay.url());
    expect(await store.checkWritable()).toMatchObject({
      writable: false,
      code: 'ECONNREFUSED',
    });
    await expect(
      store.appendToStream('s', [event(1)], { expectedVersion: 'no_stream' }),
    ).rejects.toEqual(unavailable(/^ECONNREFUSED$/));
    await expect(store.readAll()).rejects.toEqual(
      unavailable(/^ECONNREFUSED$/),
    );
    // A subscription whose reads fail meanwhile waits for the database, it does not end.
    const live = follow(store);

    await relay.start();
    expect(await store.checkWritable()).toEqual({ writable: true });
    await expect(
      store.appendToStream('s', [event(1)], { expectedVersion: 'no_stream' }),
    ).resolves.toMatchObject({ globalPositions: [1] });
    await live.until((seen) => seen.length === 1);
    await live.close();
    expect(live.seen.map((e) => e.data)).toEqual([{ n: 1 }]);
  });
});

describe('PostgresEventStore when its backends are terminated', () => {
  let schema: TestSchema;
  let admin: Client;
  let held: Client;
  let role: string;
  const stores: PostgresEventStore[] = [];

  beforeEach(async () => {
    schema = await createTestSchema();
    admin = await adminClient();
    held = await adminClient();
    // A login role of the test's own, so that its connections can be refused alone.
    role = `test_role_${randomBytes(6).toString('hex')}`;
    await admin.query(`CREATE ROLE ${escapeIdentifier(role)} LOGIN`);
    await admin.query(
      `ALTER SCHEMA ${escapeIdentifier(schema.name)} OWNER TO ${escapeIdentifier(role)}`,
    );
  });

  afterEach(async () => {
    await held.end();
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await schema.drop();
    await admin.query(`DROP ROLE IF EXISTS ${escapeIdentifier(role)}`);
    await admin.end();
  });

  it('fails the append cut by pg_terminate_backend with 57P01, reports the database unavailable while it refuses connections, and recovers', async () => {
    const url = new URL(testDatabaseUrl());
    url.username = role;
    url.password = '';
    const applicationName = `${schema.name}:store`;
    const store = await PostgresEventStore.open(url.toString(), {
      schema: schema.name,
      applicationName,
      pollIntervalMs: 50,
    });
    stores.push(store);
    await store.appendToStream('s', [event(1)], {
      expectedVersion: 'no_stream',
    });
    const live = follow(store);
    await live.until((seen) => seen.length === 1);

    // The append waits on the head row an administrator holds, when its backend (and
    // every other of the role) is terminated; new connections of the role are refused.
    await held.query('BEGIN');
    await held.query(`SELECT position FROM ${store.tables.head} FOR UPDATE`);
    const cut = store.appendToStream('s', [event(2)], { expectedVersion: 0 });
    await lockWaitOf(admin, applicationName);
    await admin.query(
      `ALTER ROLE ${escapeIdentifier(role)} CONNECTION LIMIT 0`,
    );
    await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1',
      [role],
    );
    await expect(cut).rejects.toEqual(unavailable(/^57P01$/));
    await held.query('ROLLBACK');

    const first = await store.checkWritable();
    expect(first).toMatchObject({ writable: false });
    expect(await store.checkWritable()).toEqual({
      writable: false,
      code: '53300',
      reason: 'database has too many connections',
      since: (first as Extract<WriteHealth, { writable: false }>).since,
    });

    await admin.query(
      `ALTER ROLE ${escapeIdentifier(role)} CONNECTION LIMIT -1`,
    );
    expect(await store.checkWritable()).toEqual({ writable: true });
    await expect(
      store.appendToStream('s', [event(3)], { expectedVersion: 0 }),
    ).resolves.toMatchObject({ globalPositions: [2] });
    // The listening connection was terminated too: the subscription follows again.
    const other = await PostgresEventStore.open(testDatabaseUrl(), {
      schema: schema.name,
    });
    stores.push(other);
    await other.appendToStream('t', [event(4)], {
      expectedVersion: 'no_stream',
    });
    await live.until((seen) => seen.length === 3);
    await live.close();
    expect(live.seen.map((e) => e.data)).toEqual([
      { n: 1 },
      { n: 3 },
      { n: 4 },
    ]);
  });
});
