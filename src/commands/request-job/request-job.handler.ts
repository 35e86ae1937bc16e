import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { v5 as uuidv5, v7 as uuidv7 } from 'uuid';
import { NotFoundError } from '../../domain/domain-error';
import type { RepoActionRequested } from '../../domain/events/job.events';
import { jobDecider } from '../../domain/job/job.decider';
import {
  sameActionRequest,
  type ValidActionRequest,
} from '../../domain/job/job.request';
import { jobStream } from '../../domain/streams';
import { ConcurrencyError } from '../../infrastructure/event-store/event-store.errors';
import {
  EVENT_STORE,
  type EventStore,
  type RecordedEvent,
} from '../../infrastructure/event-store/event-store.port';
import { jobFromStream } from '../../projections/job/job-from-stream';
import { toJobResource } from '../../read-models/job/job.resource';
import { RepoDirectory } from '../../read-models/repo/repo-directory';
import { requestMetadata } from '../event-metadata';
import { idempotencyKeyReused } from '../idempotency';
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
    private readonly repos: RepoDirectory,
  ) {}

  async execute(command: RequestJobCommand): Promise<RequestJobResult> {
    const { orgId, repoId, request, idempotencyKey } = command;
    if (!this.repos.find(orgId, repoId)) {
      throw new NotFoundError('REPO.NOT_FOUND', `No repository ${repoId}`);
    }
    const jobId =
      idempotencyKey === undefined
        ? uuidv7()
        : uuidv5(`${orgId}\n${repoId}\n${idempotencyKey}`, IDEMPOTENT_JOB_IDS);
    const at = new Date().toISOString();
    const data: RepoActionRequested['data'] = {
      jobId,
      orgId,
      repoId,
      ...request,
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    };
    const events = jobDecider.decide(
      { type: 'RequestJob', data },
      jobDecider.initialState(),
    );
    const metadata = requestMetadata({
      orgId,
      repoId,
      correlationId: jobId,
      jobId,
      at,
    });
    const stream = jobStream(jobId);
    try {
      const appended = await this.store.appendToStream(
        stream,
        events.map((e) => ({ ...e, metadata })),
        { expectedVersion: 'no_stream' },
      );
      const recorded: RecordedEvent = {
        eventId: '',
        streamId: stream,
        streamVersion: 0,
        globalPosition: appended.globalPositions[0]!,
        type: 'RepoActionRequested',
        data,
        metadata,
        recordedAt: at,
      };
      return {
        job: toJobResource(jobFromStream([recorded])!),
        replayed: false,
      };
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || idempotencyKey === undefined)
        throw error;
      return this.replay(stream, request);
    }
  }

  /** The job an earlier request with the same key made, if it asked for the same thing. */
  private async replay(
    stream: string,
    request: ValidActionRequest,
  ): Promise<RequestJobResult> {
    const events = await this.store.readStream(stream);
    const first = events[0] as RecordedEvent<
      'RepoActionRequested',
      RepoActionRequested['data']
    >;
    if (!sameActionRequest(first.data, request)) {
      throw idempotencyKeyReused({ jobId: first.data.jobId });
    }
    return { job: toJobResource(jobFromStream(events)!), replayed: true };
  }
}
