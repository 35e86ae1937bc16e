import { badge, clock, h, shortSha } from './dom.js';
import type { Task } from './types.js';

/**
 * The repo's tasks, newest first: status, branch, and once ready the branch head and
 * parent; a failed attach shows its code and message. `null` means the service has no task
 * API (an older build).
 */
export function renderTasks(tasks: readonly Task[] | null): HTMLElement {
  if (tasks === null) {
    return h('p', { class: 'muted' }, 'This service has no tasks API.');
  }
  if (tasks.length === 0) {
    return h('p', { class: 'muted' }, 'No tasks yet.');
  }
  const sorted = [...tasks].sort((a, b) =>
    a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0,
  );
  return h(
    'ol',
    { class: 'cards', 'data-testid': 'task-list' },
    ...sorted.map((task) =>
      h(
        'li',
        {
          class: `card task-${task.status}`,
          'data-testid': 'task-row',
          'data-task-id': task.taskId,
          'data-status': task.status,
        },
        h(
          'div',
          { class: 'card-head' },
          badge(task.status, 'task-status'),
          h('strong', { 'data-testid': 'task-title' }, task.title),
          h('span', { 'data-testid': 'task-branch' }, task.branchName),
          h('span', { class: 'muted right' }, clock(task.createdAt)),
        ),
        task.status === 'ready' &&
          h(
            'div',
            { class: 'card-body' },
            h('code', { 'data-testid': 'task-head' }, shortSha(task.headSha)),
            task.parent &&
              h('span', { 'data-testid': 'task-parent' }, `on ${task.parent}`),
          ),
        task.status === 'attach_failed' &&
          task.error &&
          h(
            'div',
            { class: 'job-error', 'data-testid': 'task-error' },
            h('code', { 'data-testid': 'task-error-code' }, task.error.code),
            h(
              'span',
              { 'data-testid': 'task-error-message' },
              task.error.message,
            ),
          ),
      ),
    ),
  );
}

/** Inserts or replaces `task` by id. */
export function upsertTask(tasks: readonly Task[], task: Task): Task[] {
  const rest = tasks.filter((t) => t.taskId !== task.taskId);
  return [task, ...rest];
}
