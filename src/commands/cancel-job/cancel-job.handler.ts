import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { jobModel } from '../../domain/job/job.decider';
import { requestMetadata } from '../../domain/request-metadata';
import { jobStream } from '../../domain/streams';
import { CLOCK, type Clock } from '../../infrastructure/clock/clock';
import {
  EVENT_STORE,
  type EventStore,
  type RecordedEvent,
} from '../../infrastructure/event-store/event-store.port';
import { handleCommand } from '../../infrastructure/event-store/handle-command';
import { CancelJobCommand } from './cancel-job.command';

/**
 * Cancels a job: at once when it has not started, at its next step boundary when it runs.
 * Another org's job is not found (the decider checks the owner).
 */
@CommandHandler(CancelJobCommand)
export class CancelJobHandler implements ICommandHandler<CancelJobCommand> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({
    orgId,
    jobId,
    requestId,
  }: CancelJobCommand): Promise<RecordedEvent[]> {
    const { stream } = await handleCommand(
      this.store,
      jobStream(jobId),
      jobModel,
      { type: 'CancelJob', data: { jobId, orgId } },
      {
        // The decider has checked that the job exists and is this org's.
        metadata: (state) =>
          requestMetadata({
            orgId,
            repoId: state.request!.repoId,
            correlationId: requestId ?? jobId,
            jobId,
            at: this.clock.now().toISOString(),
          }),
      },
    );
    return stream;
  }
}
