import { z } from 'zod';

/** A commit id: SHA-1, or SHA-256 in repositories that use it. */
const CommitId = z.string().regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/);

/** The URLs GitHub gives for the repository a delivery is about. */
const GithubRepository = z.object({
  full_name: z.string().optional(),
  clone_url: z.string().optional(),
  ssh_url: z.string().optional(),
  git_url: z.string().optional(),
  html_url: z.string().optional(),
  svn_url: z.string().optional(),
  url: z.string().optional(),
});

/** The part of GitHub's `push` payload the service reads; the rest is left alone. */
export const GithubPushPayload = z.object({
  ref: z.string().min(1).max(1024),
  before: CommitId,
  after: CommitId,
  deleted: z.boolean().optional(),
  repository: GithubRepository,
});

/** GitHub's `ping`: sent when a hook is made; an organisation's hook names no repository. */
export const GithubPingPayload = z.object({
  zen: z.string().optional(),
  hook_id: z.number().optional(),
  repository: GithubRepository.optional(),
});

/** Every URL a payload's repository names, to compare with the repo's remote. */
export function githubRepositoryUrls(
  repository: z.infer<typeof GithubRepository>,
): string[] {
  return [
    repository.clone_url,
    repository.ssh_url,
    repository.git_url,
    repository.html_url,
    repository.svn_url,
  ].filter((url): url is string => typeof url === 'string');
}
