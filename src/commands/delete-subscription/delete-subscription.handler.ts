import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '../../infrastructure/clock/clock';
import {
  EVENT_STORE,
  type EventStore,
  type RecordedEvent,
} from '../../infrastructure/event-store/event-store.port';
import { changeSubscription } from '../subscription-change';
import { DeleteSubscriptionCommand } from './delete-subscription.command';

@CommandHandler(DeleteSubscriptionCommand)
export class DeleteSubscriptionHandler implements ICommandHandler<DeleteSubscriptionCommand> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  execute(command: DeleteSubscriptionCommand): Promise<RecordedEvent[]> {
    return changeSubscription(
      this.store,
      this.clock,
      'DeleteSubscription',
      command,
    );
  }
}
