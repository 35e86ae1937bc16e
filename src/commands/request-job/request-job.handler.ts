import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { v5 as uuidv5, v7 as uuidv7 } from 'uuid';
import { NotFoundError } from '../../domain/domain-error';
import { jobModel } from '../../domain/job/job.decider';
import { requestMetadata } from '../../domain/request-metadata';
import { jobStream } from '../../domain/streams';
import { CLOCK, type Clock } from '../../infrastructure/clock/clock';
import {
  EVENT_STORE,
  type EventStore,
} from '../../infrastructure/event-store/event-store.port';
import { handleCommand } from '../../infrastructure/event-store/handle-command';
import { RepoDirectory } from '../../infrastructure/repo-directory/repo-directory';
import {
  RequestJobCommand,
  type RequestJobResult,
} from './request-job.command';

/** Namespace of job ids derived from idempotency keys. */
const IDEMPOTENT_JOB_IDS = '3f0c7a4e-8f3b-4c55-9d2e-6b1f0a9c2d71';

/**
 * Accepts a job request: decides on the request alone and appends `RepoActionRequested`.
 * It never runs git, never reads the clone, never waits for the job.
 *
 * With an `Idempotency-Key` the job id is derived from (org, repo, key), and the append
 * expects the job's stream not to exist: a retry finds the first request in that stream and
 * gets the same job, concurrent retries cannot make two jobs, and the key lives as long as
 * the event history (at least the 24 h the API promises).
 */
@CommandHandler(RequestJobCommand)
export class RequestJobHandler implements ICommandHandler<RequestJobCommand> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly repos: RepoDirectory,
  ) {}

  async execute(command: RequestJobCommand): Promise<RequestJobResult> {
    const { orgId, repoId, request, idempotencyKey, requestId } = command;
    if (!this.repos.find(orgId, repoId)) {
      throw new NotFoundError('REPO.NOT_FOUND', `No repository ${repoId}`);
    }
    const jobId =
      idempotencyKey === undefined
        ? uuidv7()
        : uuidv5(`${orgId}\n${repoId}\n${idempotencyKey}`, IDEMPOTENT_JOB_IDS);
    const { stream, appended } = await handleCommand(
      this.store,
      jobStream(jobId),
      jobModel,
      {
        type: 'RequestJob',
        data: {
          jobId,
          orgId,
          repoId,
          ...request,
          ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
        },
      },
      {
        metadata: requestMetadata({
          orgId,
          repoId,
          // The request's id; a retry appends nothing, so the first request's stays.
          correlationId: requestId ?? jobId,
          jobId,
          at: this.clock.now().toISOString(),
        }),
        expectNew: true,
      },
    );
    return { jobId, stream, replayed: appended.length === 0 };
  }
}
