import { Logger } from '@nestjs/common';
import type { LogLevelName } from '../../../src/infrastructure/config/app-config';
import {
  createLogger,
  PinoNestLogger,
} from '../../../src/infrastructure/logging/logger';

/** The app's logger at `level`, its lines kept parsed, installed as Nest's. */
function aLogger(level: LogLevelName = 'verbose') {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level,
    instanceId: 'host:1',
    destination: {
      write: (line: string) => {
        expect(line.endsWith('\n')).toBe(true);
        expect(line.slice(0, -1)).not.toContain('\n');
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  });
  Logger.overrideLogger(new PinoNestLogger(logger));
  return { logger, lines };
}

const TIME = expect.stringMatching(
  /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
) as unknown;

describe("the app's logger", () => {
  it("writes a Nest Logger's message as one JSON line with level, time, instance, context and msg", () => {
    const { lines } = aLogger();

    new Logger('Storage').log('storage closed');

    expect(lines).toEqual([
      {
        level: 'info',
        time: TIME,
        instanceId: 'host:1',
        context: 'Storage',
        msg: 'storage closed',
      },
    ]);
  });

  it("stamps each line with the clock's millisecond", () => {
    const { lines } = aLogger();
    const now = jest.spyOn(Date, 'now');
    try {
      for (const ms of [1_000, 1_000, 1_001, 86_400_000]) {
        now.mockReturnValue(ms);
        new Logger('Clock').log(`at ${ms}`);
      }
    } finally {
      now.mockRestore();
    }
    expect(lines.map((line) => line.time)).toEqual([
      '1970-01-01T00:00:01.000Z',
      '1970-01-01T00:00:01.000Z',
      '1970-01-01T00:00:01.001Z',
      '1970-01-02T00:00:00.000Z',
    ]);
  });

  it('spreads an object message into the line, its msg or message becoming the msg: no message in a message', () => {
    const { lines } = aLogger();
    const runner = new Logger('JobRunner');

    runner.warn({ msg: 'retrying', jobId: 'j1', correlationId: 'r1' });
    runner.log({ message: 'done', jobId: 'j2', level: 'x', time: 'y' });

    expect(lines).toEqual([
      {
        level: 'warn',
        time: TIME,
        instanceId: 'host:1',
        context: 'JobRunner',
        jobId: 'j1',
        correlationId: 'r1',
        msg: 'retrying',
      },
      {
        level: 'info',
        time: TIME,
        instanceId: 'host:1',
        context: 'JobRunner',
        jobId: 'j2',
        msg: 'done',
      },
    ]);
  });

  it("keeps an error's stack, and an Error as `err`", () => {
    const { lines } = aLogger();
    const filter = new Logger('HttpErrorFilter');

    filter.error('it broke', 'Error: it broke\n    at here');
    filter.error(new TypeError('not a function'));

    expect(lines[0]).toMatchObject({
      level: 'error',
      context: 'HttpErrorFilter',
      msg: 'it broke',
      stack: 'Error: it broke\n    at here',
    });
    expect(lines[1]).toMatchObject({
      level: 'error',
      context: 'HttpErrorFilter',
      msg: 'not a function',
      err: { type: 'TypeError', message: 'not a function' },
    });
  });

  it.each<[LogLevelName, string[]]>([
    ['error', ['error']],
    ['warn', ['error', 'warn']],
    ['log', ['error', 'warn', 'info']],
    ['debug', ['error', 'warn', 'info', 'debug']],
    ['verbose', ['error', 'warn', 'info', 'debug', 'trace']],
  ])('at LOG_LEVEL=%s writes the levels %j', (level, written) => {
    const { lines } = aLogger(level);
    const logger = new Logger('Levels');

    logger.error('e');
    logger.warn('w');
    logger.log('l');
    logger.debug('d');
    logger.verbose('v');

    expect(lines.map((l) => l.level)).toEqual(written);
  });
});
