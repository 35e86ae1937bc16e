import { field, h } from './dom.js';
import type { Repo } from './types.js';

/** The org's repos as links; the selected one is kept in the URL hash. */
export function renderRepoList(
  repos: readonly Repo[],
  selected: string | undefined,
): HTMLElement {
  if (repos.length === 0) {
    return h('p', { class: 'muted' }, 'No repositories yet.');
  }
  return h(
    'ul',
    { class: 'plain repo-list', 'data-testid': 'repo-list' },
    ...[...repos]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((repo) =>
        h(
          'li',
          {
            'data-testid': 'repo-item',
            'data-repo-id': repo.repoId,
            class: repo.repoId === selected ? 'selected' : null,
          },
          h(
            'a',
            { href: `#/repos/${encodeURIComponent(repo.repoId)}` },
            repo.name,
          ),
          h('span', { class: 'muted' }, ` ${repo.branches.length} tracked`),
        ),
      ),
  );
}

/** "Register repo": name and remote URL; the service clones it in a first `sync_repo` job. */
export function registerForm(
  submit: (body: { name: string; remoteUrl: string }) => Promise<void>,
  report: (error: unknown) => void,
): HTMLFormElement {
  const form = h(
    'form',
    { class: 'stack-form', 'data-testid': 'register-form' },
    h('input', {
      name: 'name',
      required: true,
      placeholder: 'name',
      'aria-label': 'Repository name',
      'data-testid': 'register-name',
    }),
    h('input', {
      name: 'remoteUrl',
      required: true,
      placeholder: 'remote URL (https, ssh, git, file)',
      'aria-label': 'Remote URL',
      'data-testid': 'register-url',
    }),
    h(
      'button',
      { type: 'submit', 'data-testid': 'register-submit' },
      'Register repo',
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit({
      name: field(form, 'name'),
      remoteUrl: field(form, 'remoteUrl'),
    }).then(() => form.reset(), report);
  });
  return form;
}
