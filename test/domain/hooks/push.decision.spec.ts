import type { HookPush } from '../../../src/domain/events/hook.events';
import { decidePush } from '../../../src/domain/hooks/push.decision';
import {
  evolveRepo,
  initialRepoState,
  type RepoState,
} from '../../../src/domain/repo/repo.decider';
import { aRepoAutoRestackSet } from '../../builders/hook.builders';
import {
  aBranchRestacked,
  aBranchTracked,
  aRepoRegistered,
  sha,
} from '../../builders/repo.builders';

const push = (ref: string, after: string, deleted = false): HookPush => ({
  ref,
  before: sha('0'),
  after,
  deleted,
});

const repo = (autoRestack = false): RepoState =>
  [
    aRepoRegistered(),
    aBranchTracked({ branch: 'feature-a', parent: 'main' }),
    aBranchRestacked({ branch: 'feature-a', toSha: sha('a') }),
    ...(autoRestack ? [aRepoAutoRestackSet()] : []),
  ].reduce(evolveRepo, initialRepoState());

describe('what a push comes to', () => {
  it('given a push to trunk, then a sync is queued', () => {
    expect(decidePush(repo(), push('refs/heads/main', sha('9')))).toEqual({
      kind: 'queue',
      action: 'sync_repo',
      branch: 'main',
    });
  });

  it('given a foreign push to a tracked branch, then it moved (autoRestack off) or its subtree is restacked (on)', () => {
    expect(decidePush(repo(), push('refs/heads/feature-a', sha('b')))).toEqual({
      kind: 'record',
      outcome: 'branch_moved',
      branch: 'feature-a',
    });
    expect(
      decidePush(repo(true), push('refs/heads/feature-a', sha('b'))),
    ).toEqual({
      kind: 'queue',
      action: 'restack_subtree',
      branch: 'feature-a',
      branchName: 'feature-a',
    });
  });

  it('given a push of the head Stackyard last published there, then it is its own and nothing follows', () => {
    expect(
      decidePush(repo(true), push('refs/heads/feature-a', sha('a'))),
    ).toEqual({ kind: 'record', outcome: 'own_publish', branch: 'feature-a' });
  });

  it.each([
    ['a tag', push('refs/tags/v1', sha('9')), undefined],
    ['an untracked branch', push('refs/heads/other', sha('9')), 'other'],
    [
      'a deleted branch',
      push('refs/heads/feature-a', sha('0'), true),
      'feature-a',
    ],
    ['a deleted trunk', push('refs/heads/main', sha('0')), 'main'],
  ])('given %s, then it is only recorded', (_, given, branch) => {
    expect(decidePush(repo(true), given)).toEqual({
      kind: 'record',
      outcome: 'ignored',
      ...(branch !== undefined ? { branch } : {}),
    });
  });
});
