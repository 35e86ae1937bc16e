import { Inject } from '@nestjs/common';
import { JOB_EVENTS, narrowAll } from '../../domain/events/stackyard-event';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { NotFoundError } from '../../domain/domain-error';
import { jobDecider } from '../../domain/job/job.decider';
import { jobStateFrom } from '../../domain/job/job.state';
import { jobStream } from '../../domain/streams';
import { ConcurrencyError } from '../../infrastructure/event-store/event-store.errors';
import {
  EVENT_STORE,
  type EventStore,
} from '../../infrastructure/event-store/event-store.port';
import { jobFromStream } from '../../projections/job/job-from-stream';
import {
  type JobResource,
  toJobResource,
} from '../../read-models/job/job.resource';
import { requestMetadata } from '../event-metadata';
import { CancelJobCommand } from './cancel-job.command';

/** Appends run against the stream version read; a lost race is decided again on fresh state. */
const MAX_TRIES = 5;

/** The generic read → evolve → decide → append-with-expected-version loop, for cancel. */
@CommandHandler(CancelJobCommand)
export class CancelJobHandler implements ICommandHandler<CancelJobCommand> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ orgId, jobId }: CancelJobCommand): Promise<JobResource> {
    const stream = jobStream(jobId);
    for (let attempt = 1; ; attempt++) {
      const recorded = await this.store.readStream(stream);
      const state = jobStateFrom(narrowAll(recorded, JOB_EVENTS));
      if (!state.request || state.request.orgId !== orgId) {
        throw new NotFoundError('JOB.NOT_FOUND', `No job ${jobId}`);
      }
      const events = jobDecider.decide(
        { type: 'CancelJob', data: { jobId } },
        state,
      );
      if (events.length === 0) return toJobResource(jobFromStream(recorded)!);
      const metadata = requestMetadata({
        orgId,
        repoId: state.request.repoId,
        correlationId: jobId,
        jobId,
        at: new Date().toISOString(),
      });
      try {
        await this.store.appendToStream(
          stream,
          events.map((e) => ({ ...e, metadata })),
          { expectedVersion: recorded.length - 1 },
        );
        return toJobResource(
          jobFromStream(await this.store.readStream(stream))!,
        );
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= MAX_TRIES)
          throw error;
      }
    }
  }
}
