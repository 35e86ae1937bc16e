import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { EnvReader, isHostForm, isLoopbackHost } from './env-rules';

export type LogLevelName = 'error' | 'warn' | 'log' | 'debug' | 'verbose';

/** Everything the service reads from its environment, validated once at start-up. */
export interface AppConfig {
  port: number;
  host: string;
  dataDir: string;
  /** Bearer token to org id; undefined runs the single org `default` on loopback. */
  tokens: ReadonlyMap<string, string> | undefined;
  /**
   * Names this process in the events its job runner appends (`worker:<id>`) and in its
   * readiness answer: `STACKYARD_INSTANCE_ID`, or host name and pid.
   */
  instanceId: string;
  concurrency: number;
  eventStore: 'sqlite';
  /**
   * Where the events, the read models and the leases live when they are shared:
   * `STACKYARD_DATABASE_URL` (PostgreSQL) and `STACKYARD_DATABASE_SCHEMA`. Unset, everything
   * stays in SQLite files under `dataDir` and the service runs as one instance.
   */
  database: DatabaseConfig | undefined;
  /**
   * How long an instance's lease on a repo (its jobs and clone) or on the projections lasts
   * unrenewed: how soon another instance takes over from one that died.
   */
  leaseMs: number;
  gitBin: string;
  /** A repository's long-running git helpers close after this long unused. */
  gitHelperIdleMs: number;
  /**
   * The disk budget of this instance's clones (`STACKYARD_CLONE_CACHE_BYTES`): past it, the
   * least recently used clones of repos with no job here are evicted. Undefined: unbounded.
   */
  cloneCacheBytes: number | undefined;
  logLevel: LogLevelName;
  /** A job step running longer than this fails with `JOB.STEP_TIMEOUT`; 0 sets no limit. */
  stepTimeoutMs: number;
  /**
   * The first retry of a job whose remote was unavailable waits about this long; each
   * later one twice as long, up to the policy's cap.
   */
  retryBaseMs: number;
  /** On SIGTERM, how long running steps may finish before they are recorded interrupted. */
  shutdownGraceMs: number;
  /** Mounts the reference routes of `npm run bench:accept` (STACKYARD_BENCH_ROUTES=1). */
  benchRoutes: boolean;
  /**
   * The key that seals stored secrets (`STACKYARD_SECRETS_KEY`, 32 bytes as base64 or hex).
   * Unset: a single instance makes `secrets.key` in its data dir; on a shared database
   * secrets are refused until every instance is given the same key.
   */
  secretsKey: Buffer | undefined;
  /**
   * The hosts outbound webhooks may be sent to (`STACKYARD_WEBHOOK_HOSTS`, comma-separated
   * host names or IP addresses, `*.example.com` for any subdomain, each with an optional
   * `:port`). Empty: no subscription can be created.
   */
  webhookHosts: readonly string[];
  /** Outbound webhooks: how they are sent, retried and given up on. */
  webhooks: WebhookDeliveryConfig;
}

/** How the delivery worker sends a subscription's events. */
export interface WebhookDeliveryConfig {
  /** A delivery not answered within this long failed (`STACKYARD_WEBHOOK_TIMEOUT_MS`). */
  timeoutMs: number;
  /**
   * The first retry of a failed delivery waits up to this long, each later one up to twice
   * as long (full jitter), up to `retryCapMs` (`STACKYARD_WEBHOOK_RETRY_BASE_MS`).
   */
  retryBaseMs: number;
  /** The longest wait between two tries (`STACKYARD_WEBHOOK_RETRY_CAP_MS`). */
  retryCapMs: number;
  /**
   * A subscription whose deliveries have failed for longer than this without one success
   * is paused (`STACKYARD_WEBHOOK_PAUSE_AFTER_MS`, default 3 days).
   */
  pauseAfterMs: number;
  /**
   * The most subscriptions (not deleted) one org may have (`STACKYARD_WEBHOOK_MAX_PER_ORG`,
   * default 25): each costs a consumer and its reads of the store.
   */
  maxPerOrg: number;
}

/** A shared PostgreSQL database. */
export interface DatabaseConfig {
  /** `postgres://…`; it may hold a password, so it is never logged. */
  url: string;
  /** The schema holding the service's tables (created if missing). */
  schema: string;
}

export const APP_CONFIG = Symbol('AppConfig');

/** A configuration or environment problem that stops start-up; its message is one line. */
export class StartupError extends Error {
  override name = 'StartupError';
}

const LOG_LEVELS: readonly LogLevelName[] = [
  'error',
  'warn',
  'log',
  'debug',
  'verbose',
];

/** The id of this process when `STACKYARD_INSTANCE_ID` does not name one. */
export const defaultInstanceId = (): string => `${hostname()}:${process.pid}`;

/**
 * Reads and checks every variable up front. A value that is not allowed stops start-up
 * with one `StartupError` whose one line names each such variable, its value and what is
 * allowed (`PORT="70000" is not valid: expected an integer from 0 to 65535`); nothing is
 * corrected silently. Unset and empty variables take their defaults.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const read = new EnvReader(env);
  const config = loadConfigFrom(read);
  if (read.problems.length > 0)
    throw new StartupError(read.problems.join('; '));
  return config;
}

function loadConfigFrom(read: EnvReader): AppConfig {
  const tokens = parseTokens(read);
  const host = parseHost(read, tokens !== undefined);
  const config: AppConfig = {
    port: read.integer('PORT', 3000, 0, 65_535),
    host,
    dataDir: resolve(read.text('STACKYARD_DATA_DIR', './data')),
    tokens,
    instanceId: parseInstanceId(read),
    concurrency: read.integer('STACKYARD_CONCURRENCY', 2, 1, 1024),
    eventStore: read.oneOf('STACKYARD_EVENT_STORE', EVENT_STORES, 'sqlite'),
    database: parseDatabase(read),
    leaseMs: read.integer('STACKYARD_LEASE_MS', 15_000, 1_000, 600_000),
    gitBin: read.text('STACKYARD_GIT_BIN', 'git'),
    gitHelperIdleMs: read.milliseconds('STACKYARD_GIT_HELPER_IDLE_MS', 60_000),
    cloneCacheBytes: read.bytes('STACKYARD_CLONE_CACHE_BYTES', 0) || undefined,
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'log'),
    stepTimeoutMs: read.milliseconds('STACKYARD_STEP_TIMEOUT_MS', 600_000),
    retryBaseMs: read.milliseconds('STACKYARD_RETRY_BASE_MS', 500),
    shutdownGraceMs: read.milliseconds('STACKYARD_SHUTDOWN_GRACE_MS', 10_000),
    benchRoutes: read.oneOf('STACKYARD_BENCH_ROUTES', ['0', '1'], '0') === '1',
    secretsKey: parseSecretsKey(read),
    webhookHosts: parseWebhookHosts(read),
    webhooks: {
      timeoutMs: read.milliseconds('STACKYARD_WEBHOOK_TIMEOUT_MS', 10_000, 1),
      retryBaseMs: read.milliseconds('STACKYARD_WEBHOOK_RETRY_BASE_MS', 1_000),
      retryCapMs: read.milliseconds('STACKYARD_WEBHOOK_RETRY_CAP_MS', 600_000),
      pauseAfterMs: read.milliseconds(
        'STACKYARD_WEBHOOK_PAUSE_AFTER_MS',
        3 * 24 * 3_600_000,
      ),
      maxPerOrg: read.integer('STACKYARD_WEBHOOK_MAX_PER_ORG', 25, 1, 10_000),
    },
  };
  return config;
}

/**
 * Variables of this project's other programs (the demo's service address; the test suites'
 * and benchmarks' databases), which the service does not read. The demo's `STACKYARD_TOKEN`
 * is left out: beside the service, it is more likely a misspelt `STACKYARD_TOKENS`.
 */
const OTHER_PROGRAMS = [
  'STACKYARD_URL',
  'STACKYARD_TEST_DATABASE_URL',
  'STACKYARD_BENCH_DATABASE_URL',
];

/**
 * One warning per `STACKYARD_*` variable that the service does not know, with the known name
 * it most likely meant: a misspelt setting would otherwise be ignored without a word, and
 * its default used. Not an error, so that a variable of a newer build does not stop an
 * older one.
 */
export function unknownSettings(
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const read = new EnvReader(env);
  loadConfigFrom(read);
  const known = [...read.names, ...OTHER_PROGRAMS];
  return Object.keys(env)
    .filter((name) => name.startsWith('STACKYARD_') && !known.includes(name))
    .sort()
    .map((name) => {
      const near = nearest(name, known);
      return `${name} is not a setting of this service and is ignored${near ? ` (did you mean ${near}?)` : ''}`;
    });
}

/** The known name at the smallest edit distance from `name`, if it is close (≤ 3). */
function nearest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const candidate of known) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current.push(
        Math.min(
          previous[j]! + 1,
          current[j - 1]! + 1,
          previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
        ),
      );
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * `STACKYARD_DATABASE_URL`: a `postgres://` or `postgresql://` URL. A refused one is shown
 * without its password.
 */
function parseDatabase(read: EnvReader): DatabaseConfig | undefined {
  const url = read.raw('STACKYARD_DATABASE_URL');
  const schema = read.raw('STACKYARD_DATABASE_SCHEMA') ?? 'stackyard';
  if (!SCHEMA.test(schema))
    read.refuse(
      'STACKYARD_DATABASE_SCHEMA',
      'expected a lower-case SQL identifier of at most 40 characters (letters, digits, _)',
    );
  if (url === undefined) return undefined;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (
    !parsed ||
    !['postgres:', 'postgresql:'].includes(parsed.protocol) ||
    !parsed.hostname
  ) {
    read.refuse(
      'STACKYARD_DATABASE_URL',
      'expected postgres://user[:password]@host[:port]/database',
      withoutPassword(url),
    );
    return undefined;
  }
  return { url, schema };
}

const SCHEMA = /^[a-z_][a-z0-9_]{0,39}$/;

/** The URL with any password replaced, for a message. */
export function withoutPassword(url: string): string {
  return url.replace(/^([a-z0-9+.-]+:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

/** The event stores this build can open. */
const EVENT_STORES = ['sqlite'] as const;

/**
 * `token1=org1,token2=org2`. A problem is reported by the entry's place, never its text:
 * the values are secrets, and the message goes to the log.
 */
function parseTokens(read: EnvReader): ReadonlyMap<string, string> | undefined {
  const raw = read.raw('STACKYARD_TOKENS');
  if (raw === undefined || raw.trim() === '') return undefined;
  const tokens = new Map<string, string>();
  const entries = raw.split(',');
  const problem = (what: string) =>
    read.problems.push(
      `STACKYARD_TOKENS is not valid: ${what} (expected token1=org1,token2=org2 where tokens are visible ASCII and orgs have no control characters; values not shown, they are secrets)`,
    );
  for (const [i, entry] of entries.entries()) {
    const [token, org, ...rest] = entry.split('=').map((s) => s.trim());
    const place = `entry ${i + 1} of ${entries.length}`;
    if (
      !token ||
      !org ||
      rest.length > 0 ||
      !TOKEN.test(token) ||
      !ORG.test(org)
    ) {
      problem(`${place} is not token=org`);
      return undefined;
    }
    if (tokens.has(token)) {
      problem(`${place} repeats the token of an earlier entry`);
      return undefined;
    }
    tokens.set(token, org);
  }
  return tokens;
}

/** A token travels in a header or a query: visible ASCII, no spaces. */
const TOKEN = /^[\x21-\x7e]+$/;
// eslint-disable-next-line no-control-regex
const ORG = /^[^\u0000-\u001f\u007f]+$/;

/**
 * Where to listen. Without tokens there is no authentication, so the service must stay on
 * this machine: a `HOST` beyond loopback then refuses to start rather than being ignored.
 */
function parseHost(read: EnvReader, withTokens: boolean): string {
  const host = read.raw('HOST');
  if (host === undefined) return '127.0.0.1';
  if (!isHostForm(host)) {
    read.refuse('HOST', 'expected an IP address or a host name');
    return '127.0.0.1';
  }
  if (!withTokens && !isLoopbackHost(host)) {
    read.refuse(
      'HOST',
      'binding beyond loopback requires STACKYARD_TOKENS (without tokens anyone who reaches the port could act on every repo); set STACKYARD_TOKENS, or use a loopback address (127.0.0.1, ::1, localhost)',
    );
    return '127.0.0.1';
  }
  return host;
}

/** Letters, digits and `._:-`, at most 200, starting with a letter or digit. */
const INSTANCE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

function parseInstanceId(read: EnvReader): string {
  const raw = read.raw('STACKYARD_INSTANCE_ID');
  if (raw === undefined) return defaultInstanceId();
  if (INSTANCE_ID.test(raw)) return raw;
  read.refuse(
    'STACKYARD_INSTANCE_ID',
    'expected 1 to 200 letters, digits, dots, colons, underscores or hyphens, starting with a letter or digit',
  );
  return defaultInstanceId();
}

/**
 * `STACKYARD_SECRETS_KEY`: 32 bytes as 44 base64 characters or 64 hex digits. A refused
 * value is never shown: it is a secret.
 */
function parseSecretsKey(read: EnvReader): Buffer | undefined {
  const raw = read.raw('STACKYARD_SECRETS_KEY')?.trim();
  if (raw === undefined) return undefined;
  const key = /^[0-9a-fA-F]{64}$/.test(raw)
    ? Buffer.from(raw, 'hex')
    : /^[A-Za-z0-9+/]{43}=$/.test(raw)
      ? Buffer.from(raw, 'base64')
      : undefined;
  if (key?.length === 32) return key;
  read.problems.push(
    'STACKYARD_SECRETS_KEY is not valid: expected 32 bytes as 64 hex digits or 44 base64 characters (value not shown, it is a secret; `openssl rand -base64 32` makes one)',
  );
  return undefined;
}

/** A host name or IP address, optionally `*.` first, optionally `:port` after. */
const WEBHOOK_HOST =
  /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(:\d{1,5})?$/;

/** `STACKYARD_WEBHOOK_HOSTS`: `hooks.example.com,*.internal.example:8443,127.0.0.1`. */
function parseWebhookHosts(read: EnvReader): readonly string[] {
  const raw = read.raw('STACKYARD_WEBHOOK_HOSTS');
  if (raw === undefined) return [];
  const hosts = raw
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
  const bad = hosts.filter((h) => !WEBHOOK_HOST.test(h));
  if (bad.length > 0)
    read.refuse(
      'STACKYARD_WEBHOOK_HOSTS',
      `expected comma-separated host names or IP addresses (optionally *.domain, optionally :port); not a host: ${bad.join(', ')}`,
    );
  return hosts.filter((h) => WEBHOOK_HOST.test(h));
}
