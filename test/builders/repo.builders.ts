import type {
  BranchReparented,
  BranchRestacked,
  BranchTracked,
  BranchUntracked,
  ObservedBranch,
  RepoBranchesObserved,
  RepoRegistered,
} from '../../src/domain/events/repo.events';
import type { RegisterRepo } from '../../src/domain/repo/repo.decider';
import type {
  RepoBranchRow,
  RepoRow,
} from '../../src/read-models/repo/repo.row';

/** A 40-character commit id made of one repeated character. */
export const sha = (c: string): string => c.repeat(40);

export const aRepoRegistered = (
  data: Partial<RepoRegistered['data']> = {},
): RepoRegistered => ({
  type: 'RepoRegistered',
  data: {
    repoId: 'repo-1',
    orgId: 'org-1',
    name: 'demo',
    remoteUrl: 'https://example.com/acme/demo.git',
    trunk: 'main',
    ...data,
  },
});

export const aRegisterRepo = (
  data: Partial<RegisterRepo['data']> = {},
): RegisterRepo => ({
  type: 'RegisterRepo',
  data: aRepoRegistered(data).data,
});

export const aBranchTracked = (
  data: Partial<BranchTracked['data']> = {},
): BranchTracked => ({
  type: 'BranchTracked',
  data: { branch: 'feature-a', parent: 'main', baseSha: sha('1'), ...data },
});

export const aBranchReparented = (
  data: Partial<BranchReparented['data']> = {},
): BranchReparented => ({
  type: 'BranchReparented',
  data: { branch: 'feature-b', from: 'feature-a', to: 'main', ...data },
});

export const aBranchRestacked = (
  data: Partial<BranchRestacked['data']> = {},
): BranchRestacked => ({
  type: 'BranchRestacked',
  data: {
    branch: 'feature-a',
    baseSha: sha('2'),
    fromSha: sha('a'),
    toSha: sha('b'),
    jobId: 'job-2',
    ...data,
  },
});

export const aBranchUntracked = (
  data: Partial<BranchUntracked['data']> = {},
): BranchUntracked => ({
  type: 'BranchUntracked',
  data: { branch: 'feature-a', reason: 'merged', ...data },
});

/** A remote branch as a fetch sees it; our head and the remote's agree unless told. */
export const anObservedBranch = (
  name: string,
  head: string,
  remoteSha: string | null = head,
): ObservedBranch => ({ name, sha: head, remoteSha });

export const aRepoBranchesObserved = (
  data: Partial<RepoBranchesObserved['data']> = {},
): RepoBranchesObserved => ({
  type: 'RepoBranchesObserved',
  data: {
    trunk: 'main',
    trunkSha: sha('1'),
    branches: [anObservedBranch('main', sha('1'))],
    observedAt: '2026-01-01T00:00:00.000Z',
    ...data,
  },
});

export const aRepoBranchRow = (
  data: Partial<RepoBranchRow> = {},
): RepoBranchRow => ({
  name: 'feature-a',
  parent: 'main',
  baseSha: sha('1'),
  sha: sha('a'),
  lastJobId: null,
  ...data,
});

/** The overview row of `aRepoRegistered()` with nothing tracked, observed or asked yet. */
export const aRepoRow = (data: Partial<RepoRow> = {}): RepoRow => ({
  repoId: 'repo-1',
  orgId: 'org-1',
  name: 'demo',
  remoteUrl: 'https://example.com/acme/demo.git',
  trunk: 'main',
  trunkSha: null,
  updatedAt: '2026-01-01T00:00:00.000Z',
  lastJobId: null,
  branches: [],
  remoteBranches: [],
  tasks: {},
  webhookSecretSet: false,
  autoRestack: false,
  lastWebhook: null,
  position: 1,
  ...data,
});
