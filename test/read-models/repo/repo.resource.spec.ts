import { toRepoResource } from '../../../src/read-models/repo/repo.resource';
import { aRepoBranchRow, aRepoRow, sha } from '../../builders/repo.builders';

const T1 = sha('1');
const T2 = sha('2');
const A = sha('a');
const B = sha('b');

describe('the repo resource', () => {
  it('given a row, then the resource has its fields, tracked branches and untracked branches', () => {
    const row = aRepoRow({
      trunkSha: T1,
      lastJobId: 'job-2',
      branches: [
        aRepoBranchRow({
          name: 'a',
          parent: 'main',
          baseSha: T1,
          sha: A,
          lastJobId: 'job-1',
        }),
      ],
      remoteBranches: [
        { name: 'a', sha: A, remoteSha: A },
        { name: 'main', sha: T1, remoteSha: T1 },
        { name: 'other', sha: B, remoteSha: B },
      ],
      webhookSecretSet: true,
      autoRestack: true,
      lastWebhook: {
        deliveryId: 'd-1',
        event: 'push',
        receivedAt: '2026-01-01T00:00:00.000Z',
        outcome: 'sync_queued',
      },
    });
    expect(toRepoResource(row)).toEqual({
      repoId: row.repoId,
      name: row.name,
      remoteUrl: row.remoteUrl,
      trunk: 'main',
      trunkSha: T1,
      updatedAt: row.updatedAt,
      lastJobId: 'job-2',
      branches: [
        {
          name: 'a',
          parent: 'main',
          sha: A,
          needsRestack: false,
          taskId: null,
          lastJobId: 'job-1',
        },
      ],
      untrackedBranches: [{ name: 'other', sha: B }],
      webhookSecretSet: true,
      autoRestack: true,
      lastWebhook: row.lastWebhook,
    });
  });

  describe('needsRestack', () => {
    it('given a branch based on the trunk’s head, then it needs no restack', () => {
      const row = aRepoRow({
        trunkSha: T1,
        branches: [aRepoBranchRow({ parent: 'main', baseSha: T1 })],
      });
      expect(toRepoResource(row).branches[0]!.needsRestack).toBe(false);
    });

    it('given the trunk moved past the branch’s base, then it needs a restack', () => {
      const row = aRepoRow({
        trunkSha: T2,
        branches: [aRepoBranchRow({ parent: 'main', baseSha: T1 })],
      });
      expect(toRepoResource(row).branches[0]!.needsRestack).toBe(true);
    });

    it('given the trunk’s head not seen yet, then no restack is claimed', () => {
      const row = aRepoRow({
        trunkSha: null,
        branches: [aRepoBranchRow({ parent: 'main', baseSha: T1 })],
      });
      expect(toRepoResource(row).branches[0]!.needsRestack).toBe(false);
    });

    it('given a branch on a tracked parent, then it is compared with that parent’s head', () => {
      const row = aRepoRow({
        trunkSha: T1,
        branches: [
          aRepoBranchRow({ name: 'a', parent: 'main', baseSha: T1, sha: A }),
          aRepoBranchRow({ name: 'b', parent: 'a', baseSha: A, sha: B }),
          aRepoBranchRow({ name: 'c', parent: 'a', baseSha: T1, sha: B }),
        ],
      });
      expect(
        toRepoResource(row).branches.map((b) => [b.name, b.needsRestack]),
      ).toEqual([
        ['a', false],
        ['b', false],
        ['c', true],
      ]);
    });

    it('given an observation that found the branch on its parent’s head, then it needs no restack, whatever its recorded base', () => {
      const row = aRepoRow({
        trunkSha: T2,
        branches: [
          aRepoBranchRow({ parent: 'main', baseSha: T1, onParentHead: true }),
        ],
      });
      expect(toRepoResource(row).branches[0]!.needsRestack).toBe(false);
    });

    it('given an observation that found the branch off its parent’s head, then it needs a restack, whatever its recorded base', () => {
      const row = aRepoRow({
        trunkSha: T1,
        branches: [
          aRepoBranchRow({ parent: 'main', baseSha: T1, onParentHead: false }),
        ],
      });
      expect(toRepoResource(row).branches[0]!.needsRestack).toBe(true);
    });

    it('given a parent whose head is not seen yet, or not tracked, then no restack is claimed', () => {
      const row = aRepoRow({
        trunkSha: T1,
        branches: [
          aRepoBranchRow({ name: 'a', parent: 'main', baseSha: T1, sha: null }),
          aRepoBranchRow({ name: 'b', parent: 'a', baseSha: A }),
          aRepoBranchRow({ name: 'c', parent: 'gone', baseSha: A }),
        ],
      });
      expect(
        toRepoResource(row).branches.map((b) => [b.name, b.needsRestack]),
      ).toEqual([
        ['a', false],
        ['b', false],
        ['c', false],
      ]);
    });
  });

  it('given a branch backing a task, then the branch shows the task', () => {
    const row = aRepoRow({
      branches: [aRepoBranchRow({ name: 'a' }), aRepoBranchRow({ name: 'b' })],
      tasks: { a: 'task-1', untracked: 'task-2' },
    });
    expect(toRepoResource(row).branches.map((b) => [b.name, b.taskId])).toEqual(
      [
        ['a', 'task-1'],
        ['b', null],
      ],
    );
  });

  it('given remote branches, then those neither tracked nor the trunk are untracked, with our head', () => {
    const row = aRepoRow({
      branches: [aRepoBranchRow({ name: 'a' })],
      remoteBranches: [
        { name: 'a', sha: A, remoteSha: A },
        { name: 'main', sha: T1, remoteSha: T1 },
        { name: 'new', sha: A, remoteSha: B },
        { name: 'old', sha: B },
      ],
    });
    expect(toRepoResource(row).untrackedBranches).toEqual([
      { name: 'new', sha: A },
      { name: 'old', sha: B },
    ]);
  });
});
