import { Command } from '@nestjs/cqrs';
import type { SubscriptionRequestInput } from '../../domain/subscription/subscription.request';
import type { RecordedEvent } from '../../infrastructure/event-store/event-store.port';

/** What the handler answers: the subscription's stream, and the secret to show, if any. */
export interface CreateSubscriptionResult {
  subscriptionId: string;
  stream: RecordedEvent[];
  /** An earlier request with the same `Idempotency-Key` made it. */
  replayed: boolean;
  /** The secret the service made (answered once; again only to a retry with the key). */
  generatedSecret: string | undefined;
}

export class CreateSubscriptionCommand extends Command<CreateSubscriptionResult> {
  constructor(
    readonly orgId: string,
    /** Checked for shape only; the handler applies the domain's rules. */
    readonly input: SubscriptionRequestInput,
    readonly idempotencyKey: string | undefined,
    /** The org's subscriptions not deleted, as the controller read them: the cap's count. */
    readonly orgSubscriptions: number,
    /** The HTTP request's id: the correlation id of the events it appends (none outside one). */
    readonly requestId?: string,
  ) {
    super();
  }
}
