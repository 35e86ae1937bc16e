import { join } from 'node:path';
import { PreloadFault } from './preload-fault';

/** The statement a `FaultSql` rule catches; see `fault-sql.preload.cjs`. */
export interface SqlFaultRule {
  /** The store file: `events.sqlite` or `read-models.sqlite`. */
  db: string;
  /** A part of the statement's SQL (case-insensitive). */
  sql: string;
  nth: number;
  /** Only inside a group commit of at least this many appends, at its `at`-th statement. */
  minBatch?: number;
  at?: number;
}

/** What the hook saw when it killed the service. */
export interface SqlFaultFired {
  sql: string;
  batchSize: number | null;
  /** The parameters of the transaction's statements that ran before the caught one. */
  written: unknown[][];
  caught: unknown[];
}

/**
 * Crash points inside the stores: while armed, the service is started with a hook
 * (`fault-sql.preload.cjs`) that kills it with SIGKILL just before the rule's statement runs.
 */
export class FaultSql extends PreloadFault<SqlFaultRule, SqlFaultFired> {
  constructor(dir: string) {
    super(dir, join(__dirname, 'fault-sql.preload.cjs'), 'FAULT_SQL_CTL');
  }
}
