import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { subscriptionStream } from '../../domain/streams';
import { subscriptionModel } from '../../domain/subscription/subscription.decider';
import { CLOCK, type Clock } from '../../infrastructure/clock/clock';
import {
  EVENT_STORE,
  type EventStore,
  type RecordedEvent,
} from '../../infrastructure/event-store/event-store.port';
import { handleCommand } from '../../infrastructure/event-store/handle-command';
import { currentRequestId } from '../../infrastructure/logging/request-context';
import { DeleteSubscriptionCommand } from './delete-subscription.command';

@CommandHandler(DeleteSubscriptionCommand)
export class DeleteSubscriptionHandler implements ICommandHandler<DeleteSubscriptionCommand> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({
    orgId,
    subscriptionId,
  }: DeleteSubscriptionCommand): Promise<RecordedEvent[]> {
    const { stream } = await handleCommand(
      this.store,
      subscriptionStream(subscriptionId),
      subscriptionModel,
      { type: 'DeleteSubscription', data: { orgId } },
      {
        metadata: {
          correlationId: currentRequestId() ?? subscriptionId,
          actor: `org:${orgId}`,
          orgId,
          at: this.clock.now().toISOString(),
        },
      },
    );
    return stream;
  }
}
