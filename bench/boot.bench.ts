/**
 * npm run bench:boot — how long the compiled service takes to become ready, and the memory
 * it holds then, on a data dir with a long history against an empty one, in the same run.
 *
 * The history (BOOT_JOBS finished jobs, 100,000 by default, of ten events each: nine in the
 * job's stream and the post-sync observation in its repo's, so 1,000,000 events, plus the
 * repos' registrations) is written straight through the SQLite store in big concurrent
 * batches, and the read models are caught up with the rebuild code, as a service that ran
 * for that long would have left them. Then, with a fresh empty data dir each time:
 *
 * - the first start on the history: no follower checkpoint exists yet (a data dir from
 *   before checkpoints, or after `rebuild-read-models`), so the sagas fold it all once;
 * - BOOT_ROUNDS (3) rounds of: a start on an empty data dir, a start on the history.
 *
 * Each start spawns `node dist/src/main.js`, times it until `GET /health/ready` answers 200,
 * reads VmRSS from /proc/<pid>/status 1 s later (and VmHWM, the peak), and stops it with
 * SIGTERM. Target: ready within 1.5x of the empty start, RSS within 1.5x (medians).
 * Writes bench/results/boot.json.
 */
import 'reflect-metadata';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { jobStream, repoStream } from '../src/domain/streams';
import type { EventToAppend } from '../src/infrastructure/event-store/event-store.port';
import { SqliteEventStore } from '../src/infrastructure/event-store/sqlite-event-store';
import { READ_MODEL_PROJECTORS } from '../src/projections/projectors';
import { rebuildReadModels } from '../src/projections/rebuild-read-models';
import { READ_MODEL_SCHEMA } from '../src/read-models/read-model.schema';
import { freePort } from './support/free-port';
import {
  type BenchRow,
  machine,
  printColumns,
  printTable,
  row,
  writeResult,
} from './support/report';

const JOBS = Number(process.env.BOOT_JOBS ?? 100_000);
const REPOS = Number(process.env.BOOT_REPOS ?? 100);
const ROUNDS = Number(process.env.BOOT_ROUNDS ?? 3);
/** Jobs whose appends are in flight at once (group commit makes them few transactions). */
const CHUNK = 2000;
const ORG = 'default';
const MAIN = join(__dirname, '..', 'src', 'main.js');

interface Start {
  readyS: number;
  rssMiB: number;
  peakMiB: number;
}

const repoIdOf = (i: number): string =>
  `bootrepo${String(i).padStart(24, '0')}`;

/** Writes the history; returns the number of events. */
async function buildHistory(dir: string): Promise<number> {
  const store = SqliteEventStore.open(join(dir, 'events.sqlite'));
  const at = new Date('2026-01-01T00:00:00.000Z').toISOString();
  let events = 0;
  try {
    await Promise.all(
      Array.from({ length: REPOS }, (_, i) => {
        const repoId = repoIdOf(i);
        events++;
        return store.appendToStream(
          repoStream(repoId),
          [
            {
              type: 'RepoRegistered',
              data: {
                repoId,
                orgId: ORG,
                name: `repo-${i}`,
                remoteUrl: `file:///nonexistent/repo-${i}.git`,
                trunk: 'main',
              },
              metadata: {
                correlationId: repoId,
                actor: `org:${ORG}`,
                orgId: ORG,
                repoId,
                at,
              },
            },
          ],
          { expectedVersion: 'no_stream' },
        );
      }),
    );
    for (let first = 0; first < JOBS; first += CHUNK) {
      const appends: Array<Promise<unknown>> = [];
      for (let n = first; n < Math.min(JOBS, first + CHUNK); n++) {
        const jobId = uuidv7();
        const repoId = repoIdOf(n % REPOS);
        const metadata = {
          correlationId: jobId,
          actor: 'worker:boot-bench',
          orgId: ORG,
          repoId,
          jobId,
          at,
        };
        const job: EventToAppend[] = [
          {
            type: 'RepoActionRequested',
            data: { jobId, orgId: ORG, repoId, action: 'sync_repo' },
            metadata: { ...metadata, actor: `org:${ORG}` },
          },
          {
            type: 'RepoActionStarted',
            data: { attempt: 1, worker: 'boot-bench' },
            metadata,
          },
          ...(['pre_sync', 'execute', 'publish'] as const).flatMap((step) => [
            { type: 'RepoActionStepStarted', data: { step }, metadata },
            {
              type: 'RepoActionStepCompleted',
              data: { step, summary: `${step} done` },
              metadata,
            },
          ]),
          {
            type: 'RepoActionCompleted',
            data: { summary: 'nothing to restack', changed: [] },
            metadata,
          },
        ];
        events += job.length + 1;
        appends.push(
          store.appendToStream(jobStream(jobId), job, {
            expectedVersion: 'no_stream',
          }),
          store.appendToStream(
            repoStream(repoId),
            [
              {
                type: 'RepoBranchesObserved',
                data: {
                  trunk: 'main',
                  trunkSha: 'a'.repeat(40),
                  branches: [],
                  observedAt: at,
                },
                metadata,
              },
            ],
            { expectedVersion: 'any' },
          ),
        );
      }
      await Promise.all(appends);
    }
    await rebuildReadModels(
      store,
      { target: join(dir, 'read-models.sqlite'), schema: READ_MODEL_SCHEMA },
      READ_MODEL_PROJECTORS,
    );
  } finally {
    await store.close();
  }
  return events;
}

const statusKiB = (pid: number, field: string): number => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? NaN);
};

async function ready(port: number, child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`service exited with ${child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function start(dataDir: string): Promise<Start> {
  const port = await freePort();
  const began = process.hrtime.bigint();
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      PORT: String(port),
      STACKYARD_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await ready(port, child);
    const readyS = Number(process.hrtime.bigint() - began) / 1e9;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const rssMiB = statusKiB(child.pid!, 'VmRSS') / 1024;
    const peakMiB = statusKiB(child.pid!, 'VmHWM') / 1024;
    return { readyS, rssMiB, peakMiB };
  } finally {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? sorted[mid]!
    : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'stackyard-boot-'));
  const load = loadavg()[0]!;
  try {
    const history = join(root, 'history');
    const builtAt = Date.now();
    const events = await buildHistory(mkdirOf(history));
    const buildS = (Date.now() - builtAt) / 1000;
    process.stdout.write(
      `history: ${events.toLocaleString('en-US')} events (${JOBS.toLocaleString('en-US')} finished jobs, ${REPOS} repos) written and projected in ${buildS.toFixed(1)} s\n`,
    );
    const emptyDir = (i: number) => mkdirOf(join(root, `empty-${i}`));
    // A first empty start warms the disk cache for node and the build, as the others find it.
    await start(emptyDir(0));
    const firstStart = await start(history);
    const empty: Start[] = [];
    const full: Start[] = [];
    for (let i = 1; i <= ROUNDS; i++) {
      empty.push(await start(emptyDir(i)));
      full.push(await start(history));
    }
    const med = (starts: Start[], key: keyof Start) =>
      median(starts.map((s) => s[key]));
    printColumns(
      'every start (s to ready, MiB RSS 1 s after, MiB peak RSS)',
      ['start', 'ready s', 'RSS MiB', 'peak MiB'],
      [
        ['history, no checkpoint yet', firstStart],
        ...empty.map((s, i) => [`empty ${i + 1}`, s] as const),
        ...full.map((s, i) => [`history ${i + 1}`, s] as const),
      ].map(([name, s]) => [
        name as string,
        (s as Start).readyS.toFixed(3),
        (s as Start).rssMiB.toFixed(1),
        (s as Start).peakMiB.toFixed(1),
      ]),
    );
    const rows: BenchRow[] = [
      row(
        `ready after start, ${events.toLocaleString('en-US')} events`,
        's',
        med(full, 'readyS'),
        med(empty, 'readyS'),
        'empty data dir',
        false,
      ),
      row(
        'RSS 1 s after ready',
        'MiB',
        med(full, 'rssMiB'),
        med(empty, 'rssMiB'),
        'empty data dir',
        false,
      ),
      row(
        'peak RSS (VmHWM)',
        'MiB',
        med(full, 'peakMiB'),
        med(empty, 'peakMiB'),
        'empty data dir',
        false,
      ),
      row(
        'ready, first start on the history (no checkpoint)',
        's',
        firstStart.readyS,
        med(empty, 'readyS'),
        'empty data dir',
        false,
      ),
      row(
        'RSS, first start on the history (no checkpoint)',
        'MiB',
        firstStart.rssMiB,
        med(empty, 'rssMiB'),
        'empty data dir',
        false,
      ),
    ];
    printTable(
      `bench:boot (medians of ${ROUNDS}; ratio = empty / history, target >= 0.67, i.e. within 1.5x; load average ${load.toFixed(2)} at the start)`,
      rows,
    );
    const file = writeResult('boot', rows, {
      events,
      jobs: JOBS,
      repos: REPOS,
      rounds: ROUNDS,
      loadAverage: load,
      buildSeconds: buildS,
      starts: { firstStart, empty, history: full },
    });
    process.stdout.write(`\nwrote ${file} (${JSON.stringify(machine())})\n`);
  } finally {
    if (process.env.BOOT_KEEP) process.stdout.write(`kept ${root}\n`);
    else rmSync(root, { recursive: true, force: true });
  }
}

function mkdirOf(dir: string): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
