import type { LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Logger, type Level } from 'pino';
import type { LogLevelName } from '../config/app-config';
import { LineBatch } from './line-batch';

/**
 * The service logs with pino, one JSON object per line on stdout:
 * `{"level":"info","time":"<ISO-8601>","instanceId":"…","context":"JobRunner","msg":"…", …}`.
 *
 * Why pino alone, and not nestjs-pino or pino-http: Fastify already carries pino and
 * logs through the instance it is given (`loggerInstance`), with a child logger per
 * request bound to the request's id. So one pino instance serves both sides: Fastify's
 * requests (the access log, see `http/access-log.ts`) and Nest's `Logger`, through the
 * small adapter below that `NestFactory` installs as the app's logger; every
 * `new Logger('Name')` delegates to it. nestjs-pino would add a module, a second HTTP
 * logger (pino-http) beside Fastify's, and a request store of its own, for no line this
 * service needs.
 */

/** `LOG_LEVEL`'s names (Nest's) as pino's. */
const PINO_LEVEL: Readonly<Record<LogLevelName, Level>> = {
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/** Fields pino writes itself: a message's fields never override them. */
const OWN_FIELDS = new Set(['level', 'time', 'msg', 'message']);

/**
 * pino's ISO time, made once a millisecond: under load many lines share one, and `Date`'s
 * `toISOString` was about 1 % of an accepted request's CPU.
 */
function isoTimeEachMs(): () => string {
  let lastMs = Number.NaN;
  let field = '';
  return () => {
    const ms = Date.now();
    if (ms !== lastMs) {
      lastMs = ms;
      field = `,"time":"${new Date(ms).toISOString()}"`;
    }
    return field;
  };
}

/** The process's logger: JSON lines at `level` and above, each naming the instance. */
export function createLogger(options: {
  level: LogLevelName;
  instanceId: string;
  /**
   * Where the lines go; stdout unless a test captures them. Written asynchronously: a line
   * is handed to the kernel as soon as the write before it has gone, so under load many
   * lines leave in one write instead of one synchronous write each (that was 4 % of the
   * service's CPU per accepted request). What is still buffered is written synchronously
   * when the process exits; a SIGKILL can lose the lines of the last write in flight and
   * those of the turn it came in. Lines reach it once per turn of the event loop, joined
   * (see `line-batch.ts`).
   */
  destination?: DestinationStream;
}): Logger {
  return pino(
    {
      level: PINO_LEVEL[options.level],
      base: { instanceId: options.instanceId },
      timestamp: isoTimeEachMs(),
      // The level's name rather than its number: a line reads alone.
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ??
      new LineBatch(pino.destination({ dest: 1, sync: false })),
  );
}

/**
 * Nest's logger interface over pino. Nest's `Logger` passes its context as the last
 * argument (and `error`'s stack before it); a message that is an object is spread into the
 * line, its `msg` or `message` becoming the line's `msg`, so no line nests a message in a
 * message.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const { fields, msg } = lineOf(message, params);
    this.logger[level](fields, msg);
  }
}

/**
 * The fields and message of one line from a Nest logger call: the context is the last
 * argument when it is a string (as Nest's own loggers read it), a string before it is
 * a stack, and anything else is kept under `args`.
 */
export function lineOf(
  message: unknown,
  params: readonly unknown[],
): { fields: Record<string, unknown>; msg: string } {
  const rest = [...params];
  const context =
    rest.length > 0 && typeof rest[rest.length - 1] === 'string'
      ? (rest.pop() as string)
      : undefined;
  const fields: Record<string, unknown> = context ? { context } : {};
  let msg: string;
  if (message instanceof Error) {
    fields.err = message;
    msg = message.message;
  } else if (isRecord(message)) {
    for (const [key, value] of Object.entries(message))
      if (!OWN_FIELDS.has(key)) fields[key] = value;
    const text = message.msg ?? message.message;
    msg = typeof text === 'string' ? text : '';
  } else {
    msg = String(message);
  }
  const extra = rest.filter((p) => p !== undefined);
  const [first] = extra;
  if (typeof first === 'string') {
    fields.stack = first;
    extra.shift();
  }
  if (extra.length > 0) fields.args = extra;
  return { fields, msg };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
