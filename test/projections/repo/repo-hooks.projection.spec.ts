import { hookDeliveryStream, repoStream } from '../../../src/domain/streams';
import { foldRow } from '../../../src/projections/projection';
import { repoProjection } from '../../../src/projections/repo/repo.projection';
import { toRepoResource } from '../../../src/read-models/repo/repo.resource';
import {
  aRepoAutoRestackSet,
  aRepoWebhookSecretRemoved,
  aRepoWebhookSecretSet,
  aWebhookDeliveryReceived,
} from '../../builders/hook.builders';
import { aRecordedHistory } from '../../builders/recorded.builders';
import {
  aBranchTracked,
  aRepoBranchesObserved,
  aRepoRegistered,
  anObservedBranch,
  sha,
} from '../../builders/repo.builders';

const REPO = repoStream('repo-1');
const OWNED = {
  orgId: 'org-1',
  repoId: 'repo-1',
  at: '2026-02-03T04:05:06.000Z',
};
const T1 = sha('1');
const A = sha('a');
const B = sha('b');

/** A repo with trunk at T1 and feature-a (at A) under feature-b, both on their parents' heads. */
function aStackedRepo() {
  const history = aRecordedHistory();
  history.append(
    REPO,
    [
      aRepoRegistered(),
      aBranchTracked({ branch: 'feature-a', parent: 'main', baseSha: T1 }),
      aBranchTracked({ branch: 'feature-b', parent: 'feature-a', baseSha: A }),
      aRepoBranchesObserved({
        trunkSha: T1,
        branches: [
          { ...anObservedBranch('feature-a', A), onParentHead: true },
          { ...anObservedBranch('feature-b', B), onParentHead: true },
        ],
      }),
    ],
    OWNED,
  );
  return history;
}

describe('repo projection of hooks and settings', () => {
  it('given the secret set, replaced and removed and autoRestack set, then the row says whether there is one and the setting, never the secret', () => {
    const history = aStackedRepo();
    history.append(
      REPO,
      [aRepoWebhookSecretSet(), aRepoAutoRestackSet()],
      OWNED,
    );
    const row = foldRow(repoProjection, history.events)!;
    expect(row).toMatchObject({ webhookSecretSet: true, autoRestack: true });
    expect(JSON.stringify(row)).not.toContain(
      aRepoWebhookSecretSet().data.sealedSecret,
    );
    history.append(REPO, [aRepoWebhookSecretRemoved()], OWNED);
    expect(foldRow(repoProjection, history.events)).toMatchObject({
      webhookSecretSet: false,
    });
  });

  it('keys a delivery by its repo and keeps it as the last one received', () => {
    const history = aStackedRepo();
    const [delivery] = history.append(
      hookDeliveryStream('repo-1', 'd-1'),
      [
        aWebhookDeliveryReceived({
          outcome: 'pong',
          event: 'ping',
          push: undefined,
          branch: undefined,
          jobId: undefined,
        }),
      ],
      OWNED,
    );
    expect(repoProjection.keyOf(delivery!)).toBe('repo-1');
    expect(foldRow(repoProjection, history.events)!.lastWebhook).toEqual({
      deliveryId: aWebhookDeliveryReceived().data.deliveryId,
      event: 'ping',
      receivedAt: OWNED.at,
      outcome: 'pong',
    });
  });

  it('given a foreign push to a tracked branch, then it has its new head and its children need a restack', () => {
    const history = aStackedRepo();
    const moved = sha('c');
    history.append(
      hookDeliveryStream('repo-1', 'd-1'),
      [
        aWebhookDeliveryReceived({
          outcome: 'branch_moved',
          branch: 'feature-a',
          push: {
            ref: 'refs/heads/feature-a',
            before: A,
            after: moved,
            deleted: false,
          },
        }),
      ],
      OWNED,
    );
    const repo = toRepoResource(foldRow(repoProjection, history.events)!);
    expect(repo.branches).toMatchObject([
      { name: 'feature-a', sha: moved, needsRestack: false },
      { name: 'feature-b', sha: B, needsRestack: true },
    ]);
  });

  it('given a push to trunk that queued a sync, then trunk has its new head and the branches on it need a restack', () => {
    const history = aStackedRepo();
    history.append(
      hookDeliveryStream('repo-1', 'd-1'),
      [aWebhookDeliveryReceived({ outcome: 'sync_queued' })],
      OWNED,
    );
    const repo = toRepoResource(foldRow(repoProjection, history.events)!);
    expect(repo.trunkSha).toBe(aWebhookDeliveryReceived().data.push!.after);
    expect(repo.branches.map((b) => b.needsRestack)).toEqual([true, false]);
  });

  it.each(['own_publish', 'ignored'] as const)(
    'given a push that came to %s, then no branch moves',
    (outcome) => {
      const history = aStackedRepo();
      const before = foldRow(repoProjection, history.events)!;
      history.append(
        hookDeliveryStream('repo-1', 'd-1'),
        [
          aWebhookDeliveryReceived({
            outcome,
            branch: 'feature-a',
            push: {
              ref: 'refs/heads/feature-a',
              before: A,
              after: sha('d'),
              deleted: false,
            },
          }),
        ],
        OWNED,
      );
      const after = foldRow(repoProjection, history.events)!;
      expect(after.branches).toEqual(before.branches);
      expect(after.lastWebhook).toMatchObject({ outcome });
    },
  );
  it.each([
    ['trunk', 'main', 'sync_queued'],
    ['a tracked branch', 'feature-a', 'branch_moved'],
  ] as const)(
    'given two pushes to %s delivered out of order (Y→Z before X→Y), then the older never puts it back',
    (_, branch, outcome) => {
      const history = aStackedRepo();
      const x = branch === 'main' ? T1 : A;
      const [y, z] = [sha('e'), sha('f')];
      const push = (id: string, before: string, after: string) =>
        history.append(
          hookDeliveryStream('repo-1', id),
          [
            aWebhookDeliveryReceived({
              deliveryId: id,
              outcome,
              branch,
              push: { ref: `refs/heads/${branch}`, before, after, deleted: false },
            }),
          ],
          OWNED,
        );
      const headOf = () => {
        const row = foldRow(repoProjection, history.events)!;
        return branch === 'main'
          ? row.trunkSha
          : row.branches.find((b) => b.name === branch)!.sha;
      };
      push('d-1', y, z);
      // Y→Z does not start where the row is (X): it moves nothing yet.
      expect(headOf()).toBe(x);
      push('d-2', x, y);
      // A branch goes on through the early push to Z; trunk stops at Y, where the sync
      // every trunk push queues observes its real head.
      expect(headOf()).toBe(branch === 'main' ? y : z);
      // An old push delivered again moves nothing back.
      push('d-3', x, y);
      expect(headOf()).toBe(branch === 'main' ? y : z);
    },
  );
});
