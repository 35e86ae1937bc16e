import { resolve } from 'node:path';

export type LogLevelName = 'error' | 'warn' | 'log' | 'debug' | 'verbose';

/** Everything the service reads from its environment, validated once at start-up. */
export interface AppConfig {
  port: number;
  host: string;
  dataDir: string;
  /** Bearer token to org id; undefined runs the single org `default` on loopback. */
  tokens: ReadonlyMap<string, string> | undefined;
  concurrency: number;
  eventStore: 'sqlite';
  gitBin: string;
  /** A repository's long-running git helpers close after this long unused. */
  gitHelperIdleMs: number;
  logLevel: LogLevelName;
  /** A job step running longer than this fails with `JOB.STEP_TIMEOUT`. */
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

function positiveInt(
  name: string,
  raw: string | undefined,
  fallback: number,
): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw new StartupError(
      `${name} must be a non-negative integer, got ${JSON.stringify(raw)}`,
    );
  }
  return n;
}

function parseTokens(
  raw: string | undefined,
): ReadonlyMap<string, string> | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const tokens = new Map<string, string>();
  for (const pair of raw.split(',')) {
    const [token, org, ...rest] = pair.split('=').map((s) => s.trim());
    if (!token || !org || rest.length > 0) {
      throw new StartupError(
        'STACKYARD_TOKENS must look like token1=org1,token2=org2',
      );
    }
    tokens.set(token, org);
  }
  return tokens;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const tokens = parseTokens(env.STACKYARD_TOKENS);
  const store = env.STACKYARD_EVENT_STORE ?? 'sqlite';
  if (store !== 'sqlite') {
    throw new StartupError(
      `STACKYARD_EVENT_STORE=${store} is not available in this build; use sqlite`,
    );
  }
  const logLevel = (env.LOG_LEVEL ?? 'log') as LogLevelName;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new StartupError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const concurrency = positiveInt(
    'STACKYARD_CONCURRENCY',
    env.STACKYARD_CONCURRENCY,
    2,
  );
  return {
    port: positiveInt('PORT', env.PORT, 3000),
    // Without tokens there is no authentication, so the service only listens on loopback.
    host: tokens ? (env.HOST ?? '127.0.0.1') : '127.0.0.1',
    dataDir: resolve(env.STACKYARD_DATA_DIR ?? './data'),
    tokens,
    concurrency: Math.max(1, concurrency),
    eventStore: store,
    gitBin: env.STACKYARD_GIT_BIN ?? 'git',
    gitHelperIdleMs: positiveInt(
      'STACKYARD_GIT_HELPER_IDLE_MS',
      env.STACKYARD_GIT_HELPER_IDLE_MS,
      60_000,
    ),
    logLevel,
    stepTimeoutMs: positiveInt(
      'STACKYARD_STEP_TIMEOUT_MS',
      env.STACKYARD_STEP_TIMEOUT_MS,
      600_000,
    ),
    retryBaseMs: positiveInt(
      'STACKYARD_RETRY_BASE_MS',
      env.STACKYARD_RETRY_BASE_MS,
      500,
    ),
    shutdownGraceMs: positiveInt(
      'STACKYARD_SHUTDOWN_GRACE_MS',
      env.STACKYARD_SHUTDOWN_GRACE_MS,
      10_000,
    ),
    benchRoutes: env.STACKYARD_BENCH_ROUTES === '1',
  };
}
