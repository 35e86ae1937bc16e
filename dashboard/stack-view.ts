import { badge, h, select, shortSha } from './dom.js';
import { jobHref } from './hash-route.js';
import { parentChoices, stackTree, type StackNode } from './stack-model.js';
import type { ActionRequest, Branch, Job, Repo, Task } from './types.js';
import { BRANCH_ACTIONS } from './types.js';

/** What the stack view needs from the page around it. */
export interface StackContext {
  job(jobId: string): Job | undefined;
  task(taskId: string): Task | undefined;
  /** Parent picked in a branch's `<select>`, kept across re-renders; key = test id + branch. */
  choices: Map<string, string>;
  act(request: ActionRequest): void;
}

const LABELS: Record<string, string> = {
  restack_subtree: 'Restack subtree',
  rebase_branch: 'Rebase',
};

/** Trunk at the root, every tracked branch nested under its parent. */
export function renderStack(repo: Repo, ctx: StackContext): HTMLElement {
  return h(
    'ul',
    { class: 'tree', 'data-testid': 'stack-tree' },
    h(
      'li',
      {},
      h(
        'div',
        { class: 'row trunk', 'data-testid': 'trunk-row' },
        h('span', { class: 'name' }, repo.trunk),
        h('code', { 'data-testid': 'branch-sha' }, shortSha(repo.trunkSha)),
        h('span', { class: 'muted' }, 'trunk'),
      ),
      children(stackTree(repo), repo, ctx),
    ),
  );
}

function children(
  nodes: StackNode[],
  repo: Repo,
  ctx: StackContext,
): HTMLElement | null {
  if (nodes.length === 0) return null;
  return h(
    'ul',
    {},
    ...nodes.map((n) =>
      h(
        'li',
        {},
        branchRow(n.branch, repo, ctx),
        children(n.children, repo, ctx),
      ),
    ),
  );
}

function branchRow(branch: Branch, repo: Repo, ctx: StackContext) {
  const job = branch.lastJobId ? ctx.job(branch.lastJobId) : undefined;
  const task = branch.taskId ? ctx.task(branch.taskId) : undefined;
  const key = `reparent:${branch.name}`;
  const parents = parentChoices(repo, branch.name).filter(
    (p) => p !== branch.parent,
  );
  const parentSelect = select(
    {
      'data-testid': 'reparent-parent',
      'aria-label': `New parent of ${branch.name}`,
      onchange: (e) =>
        ctx.choices.set(key, (e.target as HTMLSelectElement).value),
    },
    parents.map((p) => ({ value: p, label: p })),
    ctx.choices.get(key),
  );
  return h(
    'div',
    { class: 'row', 'data-testid': 'branch-row', 'data-branch': branch.name },
    h('span', { class: 'name' }, branch.name),
    h('code', { 'data-testid': 'branch-sha' }, shortSha(branch.sha)),
    branch.needsRestack &&
      h(
        'span',
        { class: 'marker', 'data-testid': 'needs-restack' },
        'needs restack',
      ),
    branch.taskId &&
      h(
        'span',
        { class: 'task', 'data-testid': 'branch-task' },
        task ? `task: ${task.title}` : `task ${branch.taskId.slice(0, 8)}`,
      ),
    job &&
      h(
        'a',
        {
          href: jobHref(job.jobId),
          class: 'badge-link',
          'data-testid': 'branch-job-link',
          title: `Last job: ${job.action}`,
        },
        badge(job.status, 'branch-job-status'),
      ),
    h(
      'span',
      { class: 'actions' },
      ...BRANCH_ACTIONS.map((action) =>
        h(
          'button',
          {
            type: 'button',
            'data-testid': `branch-action-${action}`,
            onclick: () => ctx.act({ action, branchName: branch.name }),
          },
          LABELS[action] ?? action,
        ),
      ),
      parents.length > 0 && parentSelect,
      parents.length > 0 &&
        h(
          'button',
          {
            type: 'button',
            'data-testid': 'branch-action-reparent_branch',
            onclick: () =>
              ctx.act({
                action: 'reparent_branch',
                branchName: branch.name,
                parentBranch: parentSelect.value,
              }),
          },
          'Move onto',
        ),
    ),
  );
}

/** Remote branches not tracked yet, each with a Track button and an optional parent. */
export function renderUntracked(repo: Repo, ctx: StackContext): HTMLElement {
  const untracked = repo.untrackedBranches ?? [];
  if (untracked.length === 0) {
    return h('p', { class: 'muted' }, 'Every remote branch is tracked.');
  }
  const parents = parentChoices(repo);
  return h(
    'ul',
    { class: 'plain', 'data-testid': 'untracked-list' },
    ...untracked.map((b) => {
      const key = `track:${b.name}`;
      const parent = select(
        {
          'data-testid': 'track-parent',
          'aria-label': `Parent of ${b.name}`,
          onchange: (e) =>
            ctx.choices.set(key, (e.target as HTMLSelectElement).value),
        },
        [
          { value: '', label: 'parent: nearest tracked' },
          ...parents.map((p) => ({ value: p, label: `parent: ${p}` })),
        ],
        ctx.choices.get(key),
      );
      return h(
        'li',
        { class: 'row', 'data-testid': 'untracked-row', 'data-branch': b.name },
        h('span', { class: 'name' }, b.name),
        h('code', {}, shortSha(b.sha)),
        parent,
        h(
          'button',
          {
            type: 'button',
            'data-testid': 'branch-action-register_existing_branch',
            onclick: () =>
              ctx.act({
                action: 'register_existing_branch',
                branchName: b.name,
                ...(parent.value ? { parentBranch: parent.value } : {}),
              }),
          },
          'Track',
        ),
      );
    }),
  );
}
