import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const LOGGER = join(__dirname, '..', 'dist', 'src', 'infrastructure', 'logging', 'logger.js');

describe("the service's log on stdout", () => {
  it('writes every line a process logged before it exits, the last turn included, in order', async () => {
    // Lines logged in the same turn as the exit are still held by the batch: the exit hook
    // hands them to pino's destination before pino writes that out.
    const script = `
      const { createLogger } = require(${JSON.stringify(LOGGER)});
      const log = createLogger({ level: 'log', instanceId: 'exit-test' });
      for (let i = 0; i < 500; i++) log.info({ n: i }, 'early');
      setImmediate(() => {
        for (let i = 500; i < 5000; i++) log.info({ n: i }, 'late');
        process.exit(0);
      });
    `;
    const { stdout } = await run(process.execPath, ['-e', script], {
      maxBuffer: 64 * 1024 * 1024,
    });
    const numbers = stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { n: number }).n);
    expect(numbers).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });
});
