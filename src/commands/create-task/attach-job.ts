import { v5 as uuidv5 } from 'uuid';
import type { RepoActionRequested } from '../../domain/events/job.events';
import { jobDecider } from '../../domain/job/job.decider';
import { jobStream } from '../../domain/streams';
import { ConcurrencyError } from '../../infrastructure/event-store/event-store.errors';
import type { EventStore } from '../../infrastructure/event-store/event-store.port';
import { requestMetadata } from '../event-metadata';

/** Namespace of the ids of the jobs that attach a task's branch. */
const TASK_JOB_IDS = '8d5b2f6e-1c4a-4e7b-a3f9-52c0d7e81b46';

/** A task's attach job has an id derived from the task: asking twice makes one job. */
export const attachJobIdOf = (taskId: string): string =>
  uuidv5(taskId, TASK_JOB_IDS);

/**
 * Queues the `register_existing_branch` job of a task, unless it exists already. The
 * request handler calls it right after the task's events; the attach saga calls it again at
 * boot for a task whose job is missing (the process stopped between the two appends).
 */
export async function requestAttachJob(
  store: EventStore,
  input: {
    orgId: string;
    repoId: string;
    taskId: string;
    branchName: string;
    parentBranch?: string | undefined;
    at: string;
  },
): Promise<void> {
  const jobId = attachJobIdOf(input.taskId);
  const data: RepoActionRequested['data'] = {
    jobId,
    orgId: input.orgId,
    repoId: input.repoId,
    action: 'register_existing_branch',
    branchName: input.branchName,
    ...(input.parentBranch !== undefined
      ? { parentBranch: input.parentBranch }
      : {}),
    taskId: input.taskId,
  };
  const events = jobDecider.decide(
    { type: 'RequestJob', data },
    jobDecider.initialState(),
  );
  const metadata = requestMetadata({
    orgId: input.orgId,
    repoId: input.repoId,
    correlationId: jobId,
    jobId,
    at: input.at,
  });
  try {
    await store.appendToStream(
      jobStream(jobId),
      events.map((e) => ({ ...e, metadata })),
      { expectedVersion: 'no_stream' },
    );
  } catch (error) {
    if (!(error instanceof ConcurrencyError)) throw error;
  }
}
