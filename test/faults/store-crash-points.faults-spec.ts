import { join } from 'node:path';
import { type CrashRun, useCrashLab } from './support/crash-lab';
import type { FaultService } from './support/fault-service';
import { expectRecovered } from './support/invariants';
import { rowsOf } from './support/store-files';

/**
 * The service killed with SIGKILL inside its stores, by a hook loaded only into the test's
 * service process (`support/fault-sql.preload.cjs`) that kills it just before a chosen
 * statement: between a projection batch's rows and its checkpoint, and midway through a
 * group commit of many appends. Started again on the same data dir, it must lose nothing
 * that was answered, keep nothing that was not committed, and finish every recorded job.
 */
describe('the service killed inside its stores recovers on restart', () => {
  let run: CrashRun;
  useCrashLab((next) => (run = next));

  const readModels = () => join(run.dataDir, 'read-models.sqlite');
  const checkpoints = () =>
    rowsOf(readModels(), 'projection_checkpoints', 'name').map(
      (row) => row.position as number,
    );
  const requestedJobs = () =>
    run
      .events()
      .filter((e) => e.type === 'RepoActionRequested')
      .map((e) => e.data.jobId as string);

  /** Sends `count` requests at once; the job ids of those answered 202. */
  async function burst(service: FaultService, count: number) {
    const answers = await Promise.allSettled(
      Array.from({ length: count }, () =>
        service.post<{ jobId: string }>(`/repos/${run.repoId}/actions`, {
          action: 'restack_repo',
        }),
      ),
    );
    return answers.flatMap((a) =>
      a.status === 'fulfilled' && a.value.status === 202
        ? [a.value.body.jobId]
        : [],
    );
  }

  it("between a projection batch's rows and its checkpoint (rows written in the transaction, the checkpoint not)", async () => {
    const before = Math.max(...checkpoints());
    // Each batch writes one checkpoint per projector; the ninth is two batches into the job.
    run.sql.arm({
      db: 'read-models.sqlite',
      sql: 'UPDATE "projection_checkpoints"',
      nth: 9,
    });
    const service = await run.start('plain');
    await run.request(service, { action: 'restack_repo' }).catch(() => '');
    expect(await service.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(run.sql.fired()?.sql).toContain('projection_checkpoints');
    // The batch died with its transaction: the checkpoints on disk are behind the store.
    const head = run.events().at(-1)!.position;
    expect(Math.max(...checkpoints())).toBeGreaterThan(before);
    expect(Math.max(...checkpoints())).toBeLessThan(head);

    run.sql.disarm();
    await expectRecovered(run, await run.start('plain'), requestedJobs());
  });

  it('midway through a group commit of many appends: none of its appends survives, every answered one does', async () => {
    run.sql.arm({
      db: 'events.sqlite',
      sql: 'INSERT INTO events',
      nth: 1,
      minBatch: 5,
      at: 4,
    });
    const service = await run.start('plain');
    // One restack answered alone first (a group commit of one, which the hook lets pass), so
    // that the run has recorded work to recover even when the very first group commit is
    // the one caught (on a loaded machine the first burst can form it).
    const accepted = [await run.request(service, { action: 'restack_repo' })];
    // Bursts until a group commit of five appends forms and is caught.
    for (let bursts = 0; run.sql.fired() === undefined; bursts++) {
      expect(bursts).toBeLessThan(10);
      accepted.push(...(await burst(service, 40)));
    }
    expect(await service.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const fired = run.sql.fired()!;
    expect(fired.batchSize).toBeGreaterThanOrEqual(5);
    expect(fired.written).toHaveLength(3);

    run.sql.disarm();
    const restarted = await run.start('plain');
    // Nothing of the cut transaction was kept: neither the rows written before the kill nor
    // the one caught. (An event id is the third column of the store's insert.)
    const lost = [...fired.written, fired.caught].map((p) => p[2] as string);
    const stored = new Set(run.events().map((e) => e.eventId));
    expect(lost.filter((id) => stored.has(id))).toEqual([]);
    const recorded = requestedJobs();
    expect(recorded).toEqual(expect.arrayContaining(accepted));
    await expectRecovered(run, restarted, recorded);
  });
});
