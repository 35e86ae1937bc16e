import { Command } from '@nestjs/cqrs';
import type { RecordedEvent } from '../../infrastructure/event-store/event-store.port';

/** What the handler answers: the task's stream, and whether an earlier request with the key made it. */
export interface CreateTaskResult {
  taskId: string;
  stream: RecordedEvent[];
  replayed: boolean;
}

/**
 * What the read side knew when the request came in; the controller asks it, so that the
 * handler decides on facts without reading read models itself.
 */
export interface TaskReadSideFacts {
  /** The task an earlier request with the same `Idempotency-Key` made, if any. */
  keyHolder: { taskId: string; branchName: string } | undefined;
  /** The branch, when the overview tracks it with the head last seen on the remote. */
  knownBranch: { headSha: string; parent: string } | undefined;
}

export class CreateTaskCommand extends Command<CreateTaskResult> {
  constructor(
    readonly orgId: string,
    readonly repoId: string,
    /** Checked for shape only; the domain's rules need the repo's trunk, so the handler applies them. */
    readonly input: {
      title: string;
      branchName: string;
      parentBranch?: string;
    },
    readonly idempotencyKey: string | undefined,
    readonly readSide: TaskReadSideFacts,
    /** The HTTP request's id: the correlation id of the events it appends (none outside one). */
    readonly requestId?: string,
  ) {
    super();
  }
}
