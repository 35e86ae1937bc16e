import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logLines } from './support/log-lines';
import { runServiceToExit, startService } from './support/service-process';

/** The compiled service refusing to start: one line on stderr, a non-zero exit, no stack. */
describe('starting the service with a configuration it refuses', () => {
  let dir: string;
  let dataDir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stackyard-operating-'));
    dataDir = join(dir, 'data');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the service to its exit and checks that its stderr is one line, with no stack. */
  async function refused(
    env: Record<string, string>,
    { started = false } = {},
  ): Promise<string> {
    const run = await runServiceToExit({ STACKYARD_DATA_DIR: dataDir, ...env });
    expect(run.code).not.toBe(0);
    expect(run.code).not.toBeNull();
    expect(run.stderr).not.toMatch(/RangeError|\n\s+at /);
    const lines = run.stderr.split('\n');
    expect(lines.pop()).toBe('');
    const last = lines.pop()!;
    expect(last).toMatch(/^stackyard: cannot start: /);
    if (started) {
      // What came before is the app's log: JSON lines.
      for (const line of lines)
        expect(() => JSON.parse(line) as unknown).not.toThrow();
    } else {
      // Refused before anything started: nothing else, not a line of log either.
      expect(lines).toEqual([]);
      expect(run.stdout).toBe('');
    }
    return last;
  }

  it('names PORT=70000, its value and the allowed range in one line, before touching the data dir', async () => {
    expect(await refused({ PORT: '70000' })).toBe(
      'stackyard: cannot start: PORT="70000" is not valid: expected an integer from 0 to 65535',
    );
    expect(existsSync(dataDir)).toBe(false);
  });

  it('refuses to bind beyond loopback without tokens, instead of staying on 127.0.0.1', async () => {
    expect(await refused({ HOST: '0.0.0.0' })).toBe(
      'stackyard: cannot start: HOST="0.0.0.0" is not valid: binding beyond loopback requires STACKYARD_TOKENS (without tokens anyone who reaches the port could act on every repo); set STACKYARD_TOKENS, or use a loopback address (127.0.0.1, ::1, localhost)',
    );
  });

  it('names every refused variable at once', async () => {
    const line = await refused({
      STACKYARD_CONCURRENCY: 'many',
      LOG_LEVEL: 'loud',
    });
    expect(line).toContain('STACKYARD_CONCURRENCY="many" is not valid');
    expect(line).toContain('LOG_LEVEL="loud" is not valid');
  });

  it('says in one line that its port is taken', async () => {
    const taken = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const { port } = taken.address() as { port: number };
    try {
      expect(await refused({ PORT: String(port) }, { started: true })).toMatch(
        new RegExp(
          `^stackyard: cannot start: cannot listen on 127\\.0\\.0\\.1 port ${port}: .*EADDRINUSE`,
        ),
      );
    } finally {
      taken.close();
    }
  });

  it('binds beyond loopback when tokens are set', async () => {
    const service = await startService({
      STACKYARD_DATA_DIR: dataDir,
      STACKYARD_TOKENS: 'tok=org1',
      HOST: '0.0.0.0',
    });
    try {
      expect(logLines(service.stdout()).map((l) => l.msg)).toContainEqual(
        expect.stringMatching(/^listening on http:\/\/0\.0\.0\.0:\d+$/),
      );
      expect((await fetch(`${service.baseUrl}/health`)).status).toBe(200);
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  });
});
