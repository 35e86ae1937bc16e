import { randomBytes } from 'node:crypto';
import { Client, escapeIdentifier } from 'pg';

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
