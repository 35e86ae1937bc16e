// The pg tier runs against a real PostgreSQL: STACKYARD_TEST_DATABASE_URL, by default the
// local server's `test` database. When it cannot be reached the run stops here with one
// clear message, instead of every test failing on its own (or, worse, passing without it).
const { Client } = require('pg');

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/test';

module.exports = async () => {
  const url = process.env.STACKYARD_TEST_DATABASE_URL || DEFAULT_URL;
  const client = new Client({
    connectionString: url,
    connectionTimeoutMillis: 5000,
  });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    const code = error && error.code ? ` (${error.code})` : '';
    throw new Error(
      `The pg tier needs PostgreSQL at ${url.replace(/\/\/[^@/]*@/, '//…@')}, ` +
        `which cannot be reached${code}: ${error && error.message}. ` +
        'Start PostgreSQL or set STACKYARD_TEST_DATABASE_URL.',
    );
  } finally {
    await client.end().catch(() => {});
  }
  // The multi-instance tests start the compiled service as child processes.
  require('./e2e-global-setup.js')();
};
