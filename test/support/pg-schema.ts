import { randomBytes } from 'node:crypto';
import { Client, escapeIdentifier } from 'pg';
import type {
  EventStore,
  RecordedEvent,
  SubscribeOptions,
} from '../../src/infrastructure/event-store/event-store.port';

/** The PostgreSQL the pg tier runs against (test/pg-global-setup.js checks it first). */
export function testDatabaseUrl(): string {
  return (
    process.env.STACKYARD_TEST_DATABASE_URL ||
    'postgres://postgres@127.0.0.1:5432/test'
  );
}

/** A connection of the test's own, for SQL the store does not run. Close it with `end()`. */
export async function adminClient(url = testDatabaseUrl()): Promise<Client> {
  const client = new Client({
    connectionString: url,
    application_name: 'stackyard-test-admin',
  });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

export interface TestSchema {
  name: string;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

/** A new, empty schema with a random name, so that tests never share tables. */
export async function createTestSchema(): Promise<TestSchema> {
  const name = `test_${randomBytes(6).toString('hex')}`;
  await withAdmin((admin) =>
    admin.query(`CREATE SCHEMA ${escapeIdentifier(name)}`),
  );
  return {
    name,
    drop: async () => {
      await withAdmin((admin) =>
        admin.query(`DROP SCHEMA IF EXISTS ${escapeIdentifier(name)} CASCADE`),
      );
    },
  };
}

export async function withAdmin<T>(
  work: (admin: Client) => Promise<T>,
): Promise<T> {
  const admin = await adminClient();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

/**
 * Polls `check` until it returns a value other than undefined. Only for states nothing
 * announces, such as a backend of the server waiting on a lock: it has no event to await.
 */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<T | undefined>,
  { deadlineMs = 10_000, everyMs = 20 } = {},
): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Resolves once a backend of `applicationName` waits on a lock (of the head row). */
export function lockWaitOf(
  admin: Client,
  applicationName: string,
): Promise<number> {
  return pollUntil(`a lock wait of ${applicationName}`, async () => {
    const { rows } = await admin.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
       WHERE application_name = $1 AND wait_event_type = 'Lock'`,
      [applicationName],
    );
    return rows[0]?.pid;
  });
}

/** Subscribes and keeps what is delivered, in order; `until` awaits a condition on it. */
export function follow(
  store: EventStore,
  options?: SubscribeOptions,
): {
  seen: RecordedEvent[];
  until(done: (seen: RecordedEvent[]) => boolean): Promise<void>;
  close(): Promise<void>;
} {
  const seen: RecordedEvent[] = [];
  let waiters: Array<{ done: (s: RecordedEvent[]) => boolean; wake(): void }> =
    [];
  const subscription = store.subscribe(options);
  const iteration = (async () => {
    for await (const batch of subscription) {
      seen.push(...batch);
      const ready = waiters.filter((w) => w.done(seen));
      waiters = waiters.filter((w) => !ready.includes(w));
      for (const w of ready) w.wake();
    }
  })();
  return {
    seen,
    until: (done) =>
      done(seen)
        ? Promise.resolve()
        : new Promise((wake) => waiters.push({ done, wake })),
    close: async () => {
      subscription.close();
      await iteration;
    },
  };
}
