import { Command } from '@nestjs/cqrs';
import type { RecordedEvent } from '../../infrastructure/event-store/event-store.port';

/** Answers the subscription's whole stream after the command. */
export class DeleteSubscriptionCommand extends Command<RecordedEvent[]> {
  constructor(
    readonly orgId: string,
    readonly subscriptionId: string,
    /** The HTTP request's id: the correlation id of the events it appends (none outside one). */
    readonly requestId?: string,
  ) {
    super();
  }
}
