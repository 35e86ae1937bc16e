import { evolveRecorded } from '../../support/evolve-recorded';
import { repoProjection } from '../../../src/projections/repo/repo.projection';
import type { RepoRow } from '../../../src/read-models/repo/repo.row';
import type { RecordedEvent } from '../../../src/infrastructure/event-store/event-store.port';
import { toRepoResource } from '../../../src/read-models/repo/repo.resource';

let position = 0;
const recorded = (
  type: string,
  data: object,
  streamId = 'repo-r1',
): RecordedEvent => ({
  eventId: `e${++position}`,
  streamId,
  streamVersion: position,
  globalPosition: position,
  type,
  data,
  metadata: { orgId: 'o', repoId: 'r1', jobId: 'j1' },
  recordedAt: '2026-01-01T00:00:00.000Z',
});

const fold = (events: RecordedEvent[]): RepoRow =>
  events.reduce<RepoRow | null>(
    (row, e) => evolveRecorded(repoProjection, row, e),
    null,
  )!;

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const T1 = '1'.repeat(40);
const T2 = '2'.repeat(40);

describe('the stack overview', () => {
  const registered = recorded('RepoRegistered', {
    repoId: 'r1',
    orgId: 'o',
    name: 'demo',
    remoteUrl: '/x.git',
    trunk: 'main',
  });
  const observe = (trunkSha: string, a: string) =>
    recorded('RepoBranchesObserved', {
      trunk: 'main',
      trunkSha,
      branches: [
        { name: 'a', sha: a, remoteSha: a },
        { name: 'main', sha: trunkSha, remoteSha: trunkSha },
        { name: 'other', sha: B, remoteSha: B },
      ],
      observedAt: '2026-01-01T00:00:00.000Z',
    });

  it('marks a branch for restack once its parent moves past its base, and clears it after', () => {
    const tracked = fold([
      registered,
      observe(T1, A),
      recorded('BranchTracked', { branch: 'a', parent: 'main', baseSha: T1 }),
    ]);
    expect(toRepoResource(tracked).branches).toEqual([
      {
        name: 'a',
        parent: 'main',
        sha: A,
        needsRestack: false,
        taskId: null,
        lastJobId: 'j1',
      },
    ]);
    expect(toRepoResource(tracked).untrackedBranches).toEqual([
      { name: 'other', sha: B },
    ]);

    const moved = fold([
      registered,
      observe(T1, A),
      recorded('BranchTracked', { branch: 'a', parent: 'main', baseSha: T1 }),
      observe(T2, A),
    ]);
    expect(toRepoResource(moved).branches[0]!.needsRestack).toBe(true);

    const restacked = fold([
      registered,
      observe(T1, A),
      recorded('BranchTracked', { branch: 'a', parent: 'main', baseSha: T1 }),
      observe(T2, A),
      recorded('BranchRestacked', {
        branch: 'a',
        baseSha: T2,
        fromSha: A,
        toSha: B,
        jobId: 'j2',
      }),
    ]);
    expect(toRepoResource(restacked).branches[0]).toMatchObject({
      sha: B,
      needsRestack: false,
      lastJobId: 'j2',
    });
  });

  it('follows reparenting and untracking', () => {
    const row = fold([
      registered,
      recorded('BranchTracked', { branch: 'a', parent: 'main', baseSha: T1 }),
      recorded('BranchTracked', { branch: 'b', parent: 'a', baseSha: A }),
      recorded('BranchReparented', { branch: 'b', from: 'a', to: 'main' }),
      recorded('BranchUntracked', { branch: 'a', reason: 'merged' }),
    ]);
    expect(toRepoResource(row).branches.map((b) => [b.name, b.parent])).toEqual(
      [['b', 'main']],
    );
  });
});
