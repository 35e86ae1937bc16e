import { field, h } from './dom.js';
import { parentChoices, taskBranchNames } from './stack-model.js';
import type { Repo } from './types.js';

export interface NewTask {
  title: string;
  branchName: string;
  parentBranch?: string;
}

/**
 * "New task": a title and a branch (suggested from the repo's tracked and remote branches),
 * with an optional parent. Built once, so that what the user typed survives the re-renders
 * that live events cause; only its suggestions are updated.
 */
export class TaskForm {
  readonly element: HTMLFormElement;
  private readonly branches = h('datalist', { id: 'task-branches' });
  private readonly parent = h('select', {
    name: 'parentBranch',
    'data-testid': 'task-parent',
    'aria-label': 'Parent branch',
  });

  constructor(
    submit: (task: NewTask) => Promise<void>,
    report: (error: unknown) => void,
  ) {
    this.element = h(
      'form',
      { class: 'inline-form', 'data-testid': 'task-form' },
      h('input', {
        name: 'title',
        required: true,
        maxlength: 1000,
        placeholder: 'Task title',
        'aria-label': 'Task title',
        'data-testid': 'task-title-input',
      }),
      h('input', {
        name: 'branchName',
        required: true,
        list: 'task-branches',
        placeholder: 'branch',
        'aria-label': 'Branch',
        'data-testid': 'task-branch-input',
      }),
      this.branches,
      this.parent,
      h('button', { type: 'submit', 'data-testid': 'task-create' }, 'New task'),
    );
    this.element.addEventListener('submit', (event) => {
      event.preventDefault();
      const form = this.element;
      const parentBranch = field(form, 'parentBranch');
      const task: NewTask = {
        title: field(form, 'title'),
        branchName: field(form, 'branchName'),
        ...(parentBranch ? { parentBranch } : {}),
      };
      // On failure the banner shows the code, and what was typed stays for a retry.
      submit(task).then(() => form.reset(), report);
    });
  }

  /** Refreshes the branch suggestions and parent choices, keeping the current choice. */
  update(repo: Repo): void {
    this.branches.replaceChildren(
      ...taskBranchNames(repo).map((name) => h('option', { value: name })),
    );
    const current = this.parent.value;
    this.parent.replaceChildren(
      h('option', { value: '' }, 'parent: nearest tracked'),
      ...parentChoices(repo).map((p) =>
        h('option', { value: p, selected: p === current }, `parent: ${p}`),
      ),
    );
  }
}
