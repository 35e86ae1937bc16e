import {
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

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

const PRELOAD = join(__dirname, 'fault-sql.preload.cjs');

/**
 * Crash points inside the stores: while armed, the service is started with a hook (loaded
 * with `node --require`, outside the production build) that kills it with SIGKILL just
 * before the rule's statement runs.
 */
export class FaultSql {
  private readonly ctl: string;

  constructor(dir: string) {
    this.ctl = join(dir, 'fault-sql');
    mkdirSync(this.ctl, { recursive: true });
  }

  arm(rule: SqlFaultRule): void {
    rmSync(join(this.ctl, 'fired.json'), { force: true });
    writeFileSync(join(this.ctl, 'rule.json'), JSON.stringify(rule));
  }

  disarm(): void {
    rmSync(join(this.ctl, 'rule.json'), { force: true });
  }

  /** The node options and environment a service start needs while a rule is armed. */
  launch(): { execArgv: string[]; env: Record<string, string> } | undefined {
    if (!existsSync(join(this.ctl, 'rule.json'))) return undefined;
    return {
      execArgv: ['--require', PRELOAD],
      env: { FAULT_SQL_CTL: this.ctl },
    };
  }

  fired(): SqlFaultFired | undefined {
    const file = join(this.ctl, 'fired.json');
    return existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as SqlFaultFired)
      : undefined;
  }
}
