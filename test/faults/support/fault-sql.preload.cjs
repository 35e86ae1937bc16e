'use strict';
/**
 * Loaded into the compiled service with `node --require` by the crash harness (never by the
 * service itself): reaches crash points inside the SQLite stores by killing the process with
 * SIGKILL just before a chosen statement runs. The rule is read from `rule.json` in the folder
 * named by FAULT_SQL_CTL at each statement, so a test arms and disarms it between starts:
 *
 *   { "db": "events.sqlite", "sql": "INSERT INTO events", "nth": 1, "minBatch": 5, "at": 5 }
 *
 * `db` is the file's base name, `sql` a case-insensitive part of the statement. Without
 * `minBatch`, the `nth` matching statement is caught. With it, only statements inside a
 * `db.transaction(fn)` call whose first argument is an array of at least `minBatch` items
 * (a group commit of that many appends) count, and the `at`-th such statement of one
 * transaction is caught: the transaction is killed midway. Before the kill the hook writes
 * `fired.json`: the statement, the batch size, and the parameters of the statements of the
 * transaction run so far (for the store, the rows that must not survive).
 */
const { basename, join } = require('node:path');
const fs = require('node:fs');
const Database = require('better-sqlite3');

const ctl = process.env.FAULT_SQL_CTL;
if (ctl) install(ctl);

function install(dir) {
  const ruleFile = join(dir, 'rule.json');
  let seen = 0;
  /** The group commit running now, if any: its size and the statements it ran. */
  let batch;

  const readRule = () => {
    try {
      return JSON.parse(fs.readFileSync(ruleFile, 'utf8'));
    } catch {
      return undefined;
    }
  };

  const before = (statement, params) => {
    const rule = readRule();
    if (!rule) return;
    if (basename(statement.database.name) !== rule.db) return;
    if (!statement.source.toLowerCase().includes(rule.sql.toLowerCase()))
      return;
    if (rule.minBatch !== undefined) {
      if (!batch || batch.size < rule.minBatch) return;
      batch.statements.push(params);
      if (batch.statements.length < rule.at) return;
    }
    seen += 1;
    if (seen < rule.nth) return;
    fs.writeFileSync(
      join(dir, 'fired.json'),
      JSON.stringify({
        sql: statement.source,
        batchSize: batch ? batch.size : null,
        written: batch ? batch.statements.slice(0, -1) : [],
        caught: params,
      }),
    );
    fs.rmSync(ruleFile, { force: true });
    process.kill(process.pid, 'SIGKILL');
  };

  const probe = new Database(':memory:');
  const statementPrototype = Object.getPrototypeOf(probe.prepare('SELECT 1'));
  probe.close();
  for (const method of ['run', 'get', 'all']) {
    const original = statementPrototype[method];
    statementPrototype[method] = function (...params) {
      before(this, params);
      return original.apply(this, params);
    };
  }

  const transaction = Database.prototype.transaction;
  Database.prototype.transaction = function (fn) {
    return transaction.call(this, function (...args) {
      const outer = batch;
      batch = Array.isArray(args[0])
        ? { size: args[0].length, statements: [] }
        : undefined;
      try {
        return fn.apply(this, args);
      } finally {
        batch = outer;
      }
    });
  };
}
