import type {
  TaskBranchAttached,
  TaskBranchAttachFailed,
  TaskBranchAttachRequested,
  TaskCreated,
} from '../../src/domain/events/task.events';
import type {
  BranchAttachment,
  CreateTask,
  RecordTaskBranchAttached,
  RecordTaskBranchAttachFailed,
} from '../../src/domain/task/task.decider';

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
  message = 'no such branch',
): TaskBranchAttachFailed => ({
  type: 'TaskBranchAttachFailed',
  data: { code, message },
});

/** The command that creates the task `aTaskCreated(data)` records, attached by `attach`. */
export const aCreateTask = (
  attach: BranchAttachment = { kind: 'job', jobId: 'job-1' },
  data: Partial<TaskCreated['data']> = {},
): CreateTask => ({
  type: 'CreateTask',
  data: { ...aTaskCreated(data).data, attach },
});

export const aRecordTaskBranchAttached = (
  data: Partial<RecordTaskBranchAttached['data']> = {},
): RecordTaskBranchAttached => ({
  type: 'RecordTaskBranchAttached',
  data: aTaskBranchAttached(data).data,
});

export const aRecordTaskBranchAttachFailed = (
  code = 'GIT.UNKNOWN_BRANCH',
  message = 'no such branch',
): RecordTaskBranchAttachFailed => ({
  type: 'RecordTaskBranchAttachFailed',
  data: { code, message },
});
