import {
  jobHref,
  parseRoute,
  repoHref,
  SUBSCRIPTIONS_HREF,
} from '../../dashboard/hash-route';

describe("the dashboard's pages by URL hash", () => {
  it('names a repo page and a job page by their escaped id, and anything else home', () => {
    expect(parseRoute('#/repos/r-1')).toEqual({ page: 'repo', repoId: 'r-1' });
    expect(parseRoute('#/jobs/0190a1b2-c3d4')).toEqual({
      page: 'job',
      jobId: '0190a1b2-c3d4',
    });
    for (const hash of [
      '',
      '#',
      '#/',
      '#/repos',
      '#/repos/',
      '#/jobs/a/b',
      '#/tasks/t-1',
      '#/jobs/%E0%A4%A',
    ])
      expect({ hash, route: parseRoute(hash) }).toEqual({
        hash,
        route: { page: 'home' },
      });
  });

  it('links to a page its parser reads back, whatever the id holds', () => {
    for (const id of ['plain', 'with space', 'a/b', 'ü%#?', '..'])
      expect([parseRoute(repoHref(id)), parseRoute(jobHref(id))]).toEqual([
        { page: 'repo', repoId: id },
        { page: 'job', jobId: id },
      ]);
  });

  it("names the org's subscriptions page", () => {
    expect(parseRoute(SUBSCRIPTIONS_HREF)).toEqual({ page: 'subscriptions' });
    expect(parseRoute('#/subscriptions/x')).toEqual({ page: 'home' });
  });
});
