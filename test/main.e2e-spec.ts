import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runServiceToExit, startService } from './support/service-process';

describe('the service process', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stackyard-main-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('starts on an empty data directory, answers, and stops cleanly on SIGTERM', async () => {
    const dataDir = join(dir, 'data');
    const service = await startService({ STACKYARD_DATA_DIR: dataDir });
    try {
      const health = await fetch(`${service.baseUrl}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({
        status: 'ok',
        projections: { lag: 0 },
      });
      const missing = await fetch(`${service.baseUrl}/no-such-route`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({
        error: { code: 'HTTP.NOT_FOUND', message: 'Cannot GET /no-such-route' },
      });
    } finally {
      service.child.kill('SIGTERM');
    }
    expect(await service.exited).toBe(0);
    const lines = service.stdout().trim().split('\n');
    for (const line of lines)
      expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(lines.some((l) => l.includes('storage closed'))).toBe(true);
  });

  const startupFailures: Array<[string, (dataDir: string) => void, RegExp]> = [
    [
      'the data directory is a file',
      (dataDir) => writeFileSync(dataDir, 'x'),
      /^stackyard: cannot start: data directory .* is not a writable directory/,
    ],
    [
      'the event store file is corrupt',
      (dataDir) => {
        mkdirSync(dataDir);
        writeFileSync(join(dataDir, 'events.sqlite'), 'garbage '.repeat(1000));
      },
      /^stackyard: cannot start: event store .*events\.sqlite cannot be opened \(.*not a database\)/,
    ],
    [
      'the read-model file is corrupt',
      (dataDir) => {
        mkdirSync(dataDir);
        writeFileSync(
          join(dataDir, 'read-models.sqlite'),
          'garbage '.repeat(1000),
        );
      },
      /^stackyard: cannot start: read-model database .* npm run rebuild-read-models/,
    ],
  ];

  it.each(startupFailures)(
    'stops with one clear line and a non-zero exit when %s',
    async (_, spoil, message) => {
      const dataDir = join(dir, 'data');
      spoil(dataDir);
      const { code, stderr } = await runServiceToExit({
        STACKYARD_DATA_DIR: dataDir,
      });
      expect(code).not.toBe(0);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(message);
    },
  );
});
