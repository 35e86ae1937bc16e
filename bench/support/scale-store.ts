import { randomBytes } from 'node:crypto';
import { Client, escapeIdentifier } from 'pg';

/** The job-stream events the bench reads, in store order. */
export interface JobEventRow {
  position: number;
  jobId: string;
  type: string;
  /** The store's clock (the services' clock, on this machine), ms since the epoch. */
  at: number;
  /** `worker` of a `RepoActionStarted`, else null. */
  worker: string | null;
}

export const FINAL_TYPES = [
  'RepoActionCompleted',
  'RepoActionFailed',
  'RepoActionCancelled',
] as const;

const JOB_STREAM = 'repo-action-';

/**
 * The bench's own connection to the PostgreSQL the instances share: it makes and drops the
 * run's schemas and reads what the instances recorded (job events, leases) straight from the
 * store's tables, so that watching jobs costs the instances nothing.
 */
export class ScaleDatabase {
  private readonly schemas = new Set<string>();

  private constructor(private readonly client: Client) {}

  static async connect(url: string): Promise<ScaleDatabase> {
    const client = new Client({
      connectionString: url,
      application_name: 'stackyard-bench-scale',
    });
    client.on('error', () => undefined);
    await client.connect();
    return new ScaleDatabase(client);
  }

  /** A new, empty schema; every schema made here is dropped by `dropAll`. */
  async createSchema(label: string): Promise<string> {
    const name = `bench_scale_${label}_${randomBytes(4).toString('hex')}`;
    await this.client.query(`CREATE SCHEMA ${escapeIdentifier(name)}`);
    this.schemas.add(name);
    return name;
  }

  async dropSchema(name: string): Promise<void> {
    await this.client.query(
      `DROP SCHEMA IF EXISTS ${escapeIdentifier(name)} CASCADE`,
    );
    this.schemas.delete(name);
  }

  async dropAll(): Promise<void> {
    for (const name of [...this.schemas]) await this.dropSchema(name);
  }

  async close(): Promise<void> {
    await this.client.end();
  }

  /** The store's head: the global position of its newest event. */
  async head(schema: string): Promise<number> {
    const { rows } = await this.client.query<{ position: string }>(
      `SELECT position FROM ${escapeIdentifier(schema)}.head`,
    );
    return Number(rows[0]?.position ?? 0);
  }

  /** The claim, step-start and end events of the given jobs, in store order. */
  async jobEvents(
    schema: string,
    jobIds: readonly string[],
  ): Promise<JobEventRow[]> {
    const { rows } = await this.client.query<{
      global_position: string;
      stream_id: string;
      type: string;
      recorded_at: string;
      worker: string | null;
    }>(
      `SELECT global_position, stream_id, type, recorded_at,
              CASE WHEN type = 'RepoActionStarted' THEN data->>'worker' END AS worker
         FROM ${escapeIdentifier(schema)}.events
        WHERE stream_id = ANY($1)
          AND type = ANY($2)
        ORDER BY global_position`,
      [
        jobIds.map((id) => `${JOB_STREAM}${id}`),
        ['RepoActionStarted', 'RepoActionStepStarted', ...FINAL_TYPES],
      ],
    );
    return rows.map((r) => ({
      position: Number(r.global_position),
      jobId: r.stream_id.slice(JOB_STREAM.length),
      type: r.type,
      at: Date.parse(r.recorded_at),
      worker: r.worker,
    }));
  }

  /** How many jobs were requested (`RepoActionRequested`) after `position`. */
  async requestedAfter(schema: string, position: number): Promise<number> {
    const { rows } = await this.client.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${escapeIdentifier(schema)}.events
        WHERE global_position > $1 AND type = 'RepoActionRequested'`,
      [position],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** How many jobs ended (any end) between two times, as the store's clock recorded them. */
  async jobsEndedBetween(
    schema: string,
    fromMs: number,
    toMs: number,
  ): Promise<number> {
    const { rows } = await this.client.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${escapeIdentifier(schema)}.events
        WHERE type = ANY($1) AND recorded_at >= $2 AND recorded_at < $3`,
      [
        [...FINAL_TYPES],
        new Date(fromMs).toISOString(),
        new Date(toMs).toISOString(),
      ],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Unexpired `repo:<id>` leases: repo id -> holder (instance id). */
  async repoLeases(schema: string): Promise<Map<string, string>> {
    const { rows } = await this.client.query<{ name: string; holder: string }>(
      `SELECT name, holder FROM ${escapeIdentifier(schema)}.stackyard_leases
        WHERE name LIKE 'repo:%'
          AND expires_at > (extract(epoch from clock_timestamp()) * 1000)::bigint`,
    );
    return new Map(rows.map((r) => [r.name.slice('repo:'.length), r.holder]));
  }

  /** When each `repo:<id>` lease `holder` holds ends, in ms since the epoch (database clock). */
  async repoLeaseExpiries(schema: string, holder: string): Promise<number[]> {
    const { rows } = await this.client.query<{ expires_at: string }>(
      `SELECT expires_at FROM ${escapeIdentifier(schema)}.stackyard_leases
        WHERE name LIKE 'repo:%' AND holder = $1 AND expires_at > 0`,
      [holder],
    );
    return rows.map((r) => Number(r.expires_at));
  }
}

/** Per job: its end (type and time), if it ended. */
export function endsOf(
  events: readonly JobEventRow[],
): Map<string, { type: string; at: number }> {
  const ends = new Map<string, { type: string; at: number }>();
  for (const e of events)
    if ((FINAL_TYPES as readonly string[]).includes(e.type))
      ends.set(e.jobId, { type: e.type, at: e.at });
  return ends;
}
