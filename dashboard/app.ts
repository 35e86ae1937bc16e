import { ApiError, get, onUnauthorized, post } from './api.js';
import { ErrorBanner } from './banner.js';
import { h } from './dom.js';
import type { LiveState } from './live.js';
import { RepoPage } from './repo-page.js';
import { registerForm, renderRepoList } from './repo-list-view.js';
import { TokenForm } from './token-form.js';
import type { Repo } from './types.js';

/**
 * The dashboard's entry: repo list on the side, the selected repo (`#/repos/<repoId>`) in
 * the main area, one error banner, one live indicator, and the token form when auth is on.
 */
const byId = (id: string): HTMLElement => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html lacks #${id}`);
  return element;
};

const liveIndicator = byId('live');
const repoList = byId('repo-list');
const main = byId('main');
const banner = new ErrorBanner();
const tokenForm = new TokenForm(() => boot());
byId('overlays').append(banner.element, tokenForm.element);

let repos: Repo[] = [];
let page: RepoPage | undefined;

function report(error: unknown): void {
  // A 401 asks for a token instead (see onUnauthorized); nothing else is lost in silence.
  if (error instanceof ApiError && error.status === 401) return;
  banner.show(error);
}

function setLive(state: LiveState | 'offline'): void {
  liveIndicator.textContent = state;
  liveIndicator.dataset.state = state;
}

const selectedRepo = (): string | undefined => {
  const match = /^#\/repos\/([^/]+)$/.exec(location.hash);
  return match?.[1] === undefined ? undefined : decodeURIComponent(match[1]);
};

function renderRepos(): void {
  repoList.replaceChildren(renderRepoList(repos, selectedRepo()));
}

async function loadRepos(): Promise<void> {
  repos = (await get<{ items: Repo[] }>('/repos')).items;
  renderRepos();
}

/** Shows the repo named by the hash; the previous page's stream is closed first. */
function route(): void {
  page?.dispose();
  page = undefined;
  renderRepos();
  const repoId = selectedRepo();
  if (repoId === undefined) {
    setLive('offline');
    main.replaceChildren(
      h('p', { class: 'muted' }, 'Pick a repository, or register one.'),
    );
    return;
  }
  const current = new RepoPage(repoId, { report, live: setLive });
  page = current;
  main.replaceChildren(current.element);
  current.start().catch(report);
}

function boot(): void {
  banner.hide();
  loadRepos().catch(report);
  route();
}

onUnauthorized(() => {
  if (tokenForm.shown) return;
  page?.dispose();
  setLive('offline');
  tokenForm.show();
});

byId('register').append(
  registerForm(async (body) => {
    const repo = await post<Repo>('/repos', body);
    repos = [...repos.filter((r) => r.repoId !== repo.repoId), repo];
    location.hash = `#/repos/${encodeURIComponent(repo.repoId)}`;
  }, report),
);
window.addEventListener('hashchange', route);
boot();
