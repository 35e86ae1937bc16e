import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '../../infrastructure/clock/clock';
import {
  EVENT_STORE,
  type EventStore,
  type RecordedEvent,
} from '../../infrastructure/event-store/event-store.port';
import { changeSubscription } from '../subscription-change';
import { ResumeSubscriptionCommand } from './resume-subscription.command';

@CommandHandler(ResumeSubscriptionCommand)
export class ResumeSubscriptionHandler implements ICommandHandler<ResumeSubscriptionCommand> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  execute(command: ResumeSubscriptionCommand): Promise<RecordedEvent[]> {
    return changeSubscription(
      this.store,
      this.clock,
      'ResumeSubscription',
      command,
    );
  }
}
