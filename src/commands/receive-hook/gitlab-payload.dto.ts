import { z } from 'zod';

const CommitId = z.string().regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/);

const GitlabUrls = z.object({
  git_http_url: z.string().optional(),
  git_ssh_url: z.string().optional(),
  web_url: z.string().optional(),
  homepage: z.string().optional(),
});

/** The part of GitLab's push hook the service reads. */
export const GitlabPushPayload = z.object({
  ref: z.string().min(1).max(1024),
  before: CommitId,
  after: CommitId,
  project: GitlabUrls.optional(),
  repository: GitlabUrls.optional(),
});

/** Every URL a GitLab push names for its project. */
export function gitlabRepositoryUrls(
  push: z.infer<typeof GitlabPushPayload>,
): string[] {
  return [push.project, push.repository]
    .flatMap((urls) =>
      urls
        ? [urls.git_http_url, urls.git_ssh_url, urls.web_url, urls.homepage]
        : [],
    )
    .filter((url): url is string => typeof url === 'string');
}
