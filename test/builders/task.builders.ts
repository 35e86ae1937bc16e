import type {
  TaskBranchAttached,
  TaskBranchAttachFailed,
  TaskBranchAttachRequested,
  TaskCreated,
} from '../../src/domain/events/task.events';

export const aTaskCreated = (
  data: Partial<TaskCreated['data']> = {},
): TaskCreated => ({
  type: 'TaskCreated',
  data: {
    taskId: 'task-1',
    repoId: 'repo-1',
    title: 'Ship it',
    branchName: 'feature',
    ...data,
  },
});

export const aTaskBranchAttachRequested = (
  jobId = 'job-1',
): TaskBranchAttachRequested => ({
  type: 'TaskBranchAttachRequested',
  data: { jobId },
});

export const aTaskBranchAttached = (
  data: Partial<TaskBranchAttached['data']> = {},
): TaskBranchAttached => ({
  type: 'TaskBranchAttached',
  data: { headSha: 'a'.repeat(40), parent: 'main', ...data },
});

export const aTaskBranchAttachFailed = (
  code = 'GIT.UNKNOWN_BRANCH',
): TaskBranchAttachFailed => ({
  type: 'TaskBranchAttachFailed',
  data: { code, message: 'no such branch' },
});
