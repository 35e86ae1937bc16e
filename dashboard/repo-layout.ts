import { h } from './dom.js';
import { REPO_WIDE_ACTIONS, type ActionRequest } from './types.js';

/** The containers of a repo page, filled and refilled by its renderers. */
export interface RepoLayout {
  element: HTMLElement;
  title: HTMLElement;
  /** Webhook secret, autoRestack and the last delivery. */
  hooks: HTMLElement;
  stack: HTMLElement;
  untracked: HTMLElement;
  jobs: HTMLElement;
  tasks: HTMLElement;
}

const LABELS: Record<(typeof REPO_WIDE_ACTIONS)[number], string> = {
  sync_repo: 'Sync repo',
  restack_repo: 'Restack repo',
};

/**
 * Header with the repo-wide actions, then stack, jobs, history and tasks panels. The task
 * form, the job filter and the history panel are passed in already built: they keep their
 * own state.
 */
export function repoLayout(
  repoId: string,
  act: (request: ActionRequest) => void,
  taskForm: HTMLElement,
  jobFilter: HTMLElement,
  history: HTMLElement,
): RepoLayout {
  const title = h('h2', {}, '…');
  const hooks = h('p', { class: 'repo-hooks', 'data-testid': 'repo-hooks' });
  const stack = h('div', { 'data-testid': 'stack' });
  const untracked = h('div');
  const jobs = h('div');
  const tasks = h('div');
  const panel = (name: string, ...content: HTMLElement[]) =>
    h('section', { class: 'panel' }, h('h2', {}, name), ...content);
  const element = h(
    'section',
    { class: 'repo', 'data-testid': 'repo-page', 'data-repo-id': repoId },
    h(
      'div',
      { class: 'repo-head' },
      title,
      ...REPO_WIDE_ACTIONS.map((action) =>
        h(
          'button',
          {
            type: 'button',
            'data-testid': `action-${action}`,
            onclick: () => act({ action }),
          },
          LABELS[action],
        ),
      ),
    ),
    hooks,
    h(
      'div',
      { class: 'grid' },
      panel(
        'Stack',
        stack,
        h('h3', {}, 'Remote branches not tracked'),
        untracked,
      ),
      panel('Jobs', jobFilter, jobs),
      history,
      panel('Tasks', taskForm, tasks),
    ),
  );
  return { element, title, hooks, stack, untracked, jobs, tasks };
}
