import { Command } from '@nestjs/cqrs';
import type { RecordedEvent } from '../../infrastructure/event-store/event-store.port';
import type { RequestJobResult } from '../request-job/request-job.command';

/** What the handler answers: the repo's new stream and the `sync_repo` job that clones it. */
export interface RegisterRepoResult {
  repoId: string;
  stream: RecordedEvent[];
  initialJob: RequestJobResult;
}

export class RegisterRepoCommand extends Command<RegisterRepoResult> {
  constructor(
    readonly orgId: string,
    readonly name: string,
    readonly remoteUrl: string,
    readonly trunk: string,
    /** The webhook secret in plain; the handler seals it before anything records it. */
    readonly webhookSecret?: string,
    /** The HTTP request's id: the correlation id of the events it appends (none outside one). */
    readonly requestId?: string,
  ) {
    super();
  }
}
