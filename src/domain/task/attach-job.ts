import { v5 as uuidv5 } from 'uuid';
import type { RequestJob } from '../job/job.decider';
import type { MessageMetadata } from '../message';
import { requestMetadata } from '../request-metadata';

/** Namespace of the ids of the jobs that attach a task's branch. */
const TASK_JOB_IDS = '8d5b2f6e-1c4a-4e7b-a3f9-52c0d7e81b46';

/** A task's attach job has an id derived from the task: asking twice makes one job. */
export const attachJobIdOf = (taskId: string): string =>
  uuidv5(taskId, TASK_JOB_IDS);

/**
 * The request of a task's `register_existing_branch` job. The request handler sends it right
 * after the task's events; the attach saga sends it again at boot for a task whose job is
 * missing (the process stopped between the two appends). The job id is the task's, so the
 * second time decides nothing.
 */
export function attachJobRequest(
  input: {
    orgId: string;
    repoId: string;
    taskId: string;
    branchName: string;
    parentBranch?: string | null | undefined;
  },
  at: string,
): { command: RequestJob; metadata: MessageMetadata } {
  const jobId = attachJobIdOf(input.taskId);
  const { orgId, repoId } = input;
  return {
    command: {
      type: 'RequestJob',
      data: {
        jobId,
        orgId,
        repoId,
        action: 'register_existing_branch',
        branchName: input.branchName,
        ...(input.parentBranch != null
          ? { parentBranch: input.parentBranch }
          : {}),
        taskId: input.taskId,
      },
    },
    metadata: requestMetadata({
      orgId,
      repoId,
      correlationId: jobId,
      jobId,
      at,
    }),
  };
}
