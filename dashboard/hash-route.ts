/**
 * The dashboard's pages, named by the URL hash: `#/repos/<repoId>` (a repo), `#/jobs/<jobId>`
 * (a job), `#/subscriptions` (the org's outbound webhooks), anything else the home page. Ids
 * are one escaped path segment each.
 */
export type Route =
  | { page: 'home' }
  | { page: 'repo'; repoId: string }
  | { page: 'job'; jobId: string }
  | { page: 'subscriptions' };

export function parseRoute(hash: string): Route {
  if (hash === SUBSCRIPTIONS_HREF) return { page: 'subscriptions' };
  const match = /^#\/(repos|jobs)\/([^/?#]+)$/.exec(hash);
  const id = match?.[2] === undefined ? undefined : decodeSegment(match[2]);
  if (match === null || id === undefined || id === '') return { page: 'home' };
  return match[1] === 'repos'
    ? { page: 'repo', repoId: id }
    : { page: 'job', jobId: id };
}

export const repoHref = (repoId: string): string =>
  `#/repos/${encodeURIComponent(repoId)}`;

export const SUBSCRIPTIONS_HREF = '#/subscriptions';

export const jobHref = (jobId: string): string =>
  `#/jobs/${encodeURIComponent(jobId)}`;

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    // A malformed escape names no page.
    return undefined;
  }
}
