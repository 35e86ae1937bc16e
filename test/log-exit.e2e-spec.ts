import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

const LOGGER = join(
  __dirname,
  '..',
  'dist',
  'src',
  'infrastructure',
  'logging',
  'logger.js',
);

describe("the service's log on stdout", () => {
  it('writes every line a process logged before it exits, whole and in order, to a reader slower than it', async () => {
    // Lines logged in the same turn as the exit are still held by the batch: the exit hook
    // hands them to pino's destination before pino writes that out. The reader starts late,
    // so the pipe is full while the process logs and exits: pino's last synchronous write
    // then runs beside the write still in flight, which must not cut lines in two.
    const script = `
      const { createLogger } = require(${JSON.stringify(LOGGER)});
      const log = createLogger({ level: 'log', instanceId: 'exit-test' });
      for (let i = 0; i < 2000; i++) log.info({ n: i }, 'early');
      setImmediate(() => {
        for (let i = 2000; i < 5000; i++) log.info({ n: i }, 'late');
        process.exit(0);
      });
    `;
    // stdout a pipe (Node's own child stdio is a socket, with other buffers), read by a
    // reader that starts late: `sleep` then `cat`.
    const child = spawn(
      '/bin/sh',
      ['-c', '"$NODE" -e "$SCRIPT" | { sleep 0.2; cat; }'],
      {
        env: { ...process.env, NODE: process.execPath, SCRIPT: script },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    const [code] = (await once(child, 'close')) as [number];
    expect(code).toBe(0);
    const numbers = Buffer.concat(chunks)
      .toString()
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { n: number }).n);
    expect(numbers).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });
});
