import { ApiError, eventsUrl, onUnauthorized, post } from './api.js';
import { ErrorBanner } from './banner.js';
import { Coalescer } from './coalesce.js';
import { h } from './dom.js';
import { REPO_LIST_EVENTS } from './events.js';
import { jobHref, parseRoute, repoHref, type Route } from './hash-route.js';
import { JobPage } from './job-page.js';
import { LiveIndicator } from './live-indicator.js';
import { LiveStream, type LiveState } from './live.js';
import { RepoPage } from './repo-page.js';
import { SubscriptionsPage } from './subscriptions-page.js';
import { registerForm, renderRepoList } from './repo-list-view.js';
import { readRepos, UP_TO_HEAD } from './routes.js';
import { TokenForm } from './token-form.js';
import type { Repo } from './types.js';

/**
 * The dashboard's entry: the org's repos on the side, kept current from the org's stream;
 * the page the hash names in the main area (a repo, `#/repos/<repoId>`, or a job,
 * `#/jobs/<jobId>`), with its own stream; one error banner, one live indicator for both
 * streams, and the token form when auth is on.
 */
const byId = (id: string): HTMLElement => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html lacks #${id}`);
  return element;
};

const indicator = new LiveIndicator(byId('live'));
const repoList = byId('repo-list');
const main = byId('main');
const banner = new ErrorBanner();
const tokenForm = new TokenForm(() => boot());
byId('overlays').append(banner.element, tokenForm.element);

let repos: Repo[] = [];
/** The repo the side list marks: the shown repo's, or the shown job's. */
let selected: string | undefined;
let page: RepoPage | JobPage | SubscriptionsPage | undefined;
let reposStream: LiveStream | undefined;
const reads = new Coalescer(report);

function report(error: unknown): void {
  // A 401 asks for a token instead (see onUnauthorized); nothing else is lost in silence.
  if (error instanceof ApiError && error.status === 401) return;
  banner.show(error);
}

function renderRepos(): void {
  repoList.replaceChildren(renderRepoList(repos, selected));
}

/** Reads the repo list, at `minPosition` when given; one read at a time. */
function loadRepos(minPosition: number | undefined): void {
  reads.request('repos', minPosition, async (at) => {
    repos = await readRepos(at);
    renderRepos();
    if (page instanceof JobPage) page.refresh();
  });
}

/**
 * The org's stream, for the repo list: a repo registered anywhere (another tab, the API, the
 * CLI) shows up without a reload. It starts at the present; each time it is (back) up, the
 * list is read once more up to the store's head, so a repo registered between the first
 * read and the stream's start is not missed.
 */
function followRepos(): void {
  reposStream?.stop();
  const stream = new LiveStream(
    {
      url: (lastEventId) => eventsUrl('org', lastEventId),
      types: REPO_LIST_EVENTS,
      onEvent: (event) => loadRepos(event.position),
      onState: (state) => {
        indicator.set('repos', state);
        if (state === 'live') loadRepos(UP_TO_HEAD);
      },
      onReconnected: () => undefined,
    },
    undefined,
  );
  reposStream = stream;
  stream.start();
}

/** Shows the page the hash names; the previous page's stream is closed first. */
function route(): void {
  page?.dispose();
  page = undefined;
  indicator.set('page', undefined);
  const current: Route = parseRoute(location.hash);
  selected = current.page === 'repo' ? current.repoId : undefined;
  renderRepos();
  const host = {
    report,
    live: (state: LiveState) => indicator.set('page', state),
  };
  if (current.page === 'home') {
    main.replaceChildren(
      h('p', { class: 'muted' }, 'Pick a repository, or register one.'),
    );
    return;
  }
  const shown =
    current.page === 'subscriptions'
      ? new SubscriptionsPage(host)
      : current.page === 'repo'
        ? new RepoPage(current.repoId, host)
        : new JobPage(current.jobId, {
            ...host,
            repo: (repoId) => {
              selected = repoId;
              renderRepos();
            },
            repoName: (repoId) => repos.find((r) => r.repoId === repoId)?.name,
            open: (jobId) => {
              location.hash = jobHref(jobId);
            },
          });
  page = shown;
  main.replaceChildren(shown.element);
  shown.start().catch(report);
}

function boot(): void {
  banner.hide();
  indicator.lock(false);
  readRepos().then((list) => {
    repos = list;
    renderRepos();
    // The token (if any) is good: follow the org's events from now on.
    followRepos();
  }, report);
  route();
}

onUnauthorized(() => {
  if (tokenForm.shown) return;
  page?.dispose();
  reposStream?.stop();
  indicator.set('page', undefined);
  indicator.set('repos', undefined);
  indicator.lock(true);
  tokenForm.show();
});

byId('register').append(
  registerForm(async (body) => {
    const repo = await post<Repo>('/repos', body);
    repos = [...repos.filter((r) => r.repoId !== repo.repoId), repo];
    location.hash = repoHref(repo.repoId);
  }, report),
);
window.addEventListener('hashchange', route);
boot();
