import type { JobResource } from '../../src/read-models/job/job.resource';
import { type CrashRun, useCrashLab } from './support/crash-lab';
import type { FaultService } from './support/fault-service';
import {
  expectEnded,
  expectStoppedCleanly,
  readerAfter,
} from './support/invariants';
import { refsOf } from './support/stack-origin';

/**
 * The compiled service killed with SIGKILL in the middle of an undo, and started again on
 * the same data dir: the undo is applied once (every branch back on its sha from before the
 * restack, each stack event of the undo recorded once) or, had it not been accepted, not at
 * all; never twice, never half.
 */
describe('an undo killed midway', () => {
  let run: CrashRun;
  useCrashLab((next) => (run = next));

  /** A restack run to its end on a plain service, which is then stopped. */
  async function restacked(): Promise<string> {
    const service = await run.start('plain');
    const jobId = await run.request(service, { action: 'restack_repo' });
    await expectEnded(service, [jobId], 'RepoActionCompleted');
    expect(refsOf(run.origin)).not.toEqual(run.world.heads);
    await service.stop();
    return jobId;
  }

  async function requestUndo(
    service: FaultService,
    jobId: string,
  ): Promise<string> {
    const res = await service.post<JobResource>(`/jobs/${jobId}/undo`, {});
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ action: 'undo', undoOf: jobId });
    return res.body.jobId;
  }

  /** Restarts with plain git and checks the undo was applied once. */
  async function expectUndoneOnce(
    restackId: string,
    undoId: string,
  ): Promise<void> {
    run.git.disarm();
    const service = await run.start('plain');
    const read = readerAfter(
      service,
      await expectEnded(service, [undoId], 'RepoActionCompleted'),
    );
    expect(refsOf(run.origin)).toEqual(run.world.heads);
    const undo = await read<JobResource>(`/jobs/${undoId}`);
    expect(
      Object.fromEntries(undo.result!.changed.map((c) => [c.branch, c.toSha])),
    ).toEqual(
      Object.fromEntries(
        run.world.branches.map((b) => [b.name, run.world.heads[b.name]]),
      ),
    );
    const undoRestacks = run
      .events()
      .filter(
        (e) => e.type === 'BranchRestacked' && e.metadata.jobId === undoId,
      )
      .map((e) => e.data.branch as string)
      .sort();
    expect(undoRestacks).toEqual(run.world.branches.map((b) => b.name).sort());
    await expectStoppedCleanly(run, service, [restackId, undoId]);
  }

  it('publish: local refs moved back, before the push', async () => {
    const restackId = await restacked();
    run.git.arm({ command: 'push', nth: 1, action: 'kill-before' });
    const service = await run.start('fault');
    const undoId = await requestUndo(service, restackId);
    expect(await service.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(run.jobEvents(undoId).at(-1)).toBe('RepoActionStepStarted:publish');
    expect(refsOf(run.origin)).not.toEqual(run.world.heads);

    await expectUndoneOnce(restackId, undoId);
  });

  it('publish: after the push landed, before any event recorded it', async () => {
    const restackId = await restacked();
    run.git.arm({ command: 'push', nth: 1, action: 'kill-after' });
    const service = await run.start('fault');
    const undoId = await requestUndo(service, restackId);
    expect(await service.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(run.jobEvents(undoId).at(-1)).toBe('RepoActionStepStarted:publish');
    expect(refsOf(run.origin)).toEqual(run.world.heads);

    await expectUndoneOnce(restackId, undoId);
  });

  it('pre_sync: mid-fetch, before it planned', async () => {
    const restackId = await restacked();
    run.git.arm({ command: 'fetch', nth: 1, action: 'kill-during' });
    const service = await run.start('fault');
    const undoId = await requestUndo(service, restackId);
    expect(await service.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(run.jobEvents(undoId)).not.toContain(
      'RepoActionStepCompleted:execute',
    );

    await expectUndoneOnce(restackId, undoId);
  });
});
