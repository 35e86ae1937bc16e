import { Inject, Injectable } from '@nestjs/common';
import { DataSource, Not } from 'typeorm';
import { subscriptionNotFound } from '../../domain/subscription/subscription.decider';
import {
  EVENT_STORE,
  type EventStore,
} from '../../infrastructure/event-store/event-store.port';
import {
  DELIVERY_LOG,
  type DeliveryLog,
} from '../../infrastructure/webhooks/delivery-log.port';
import {
  READ_MODEL_PROGRESS,
  type ReadModelProgress,
} from '../read-model-progress.port';
import { SubscriptionEntity } from './subscription.entity';
import {
  type DeliveryResource,
  type SubscriptionResource,
  toDeliveryResource,
  toSubscriptionResource,
} from './subscription.resource';
import type { SubscriptionRow } from './subscription.row';

/**
 * An org's subscriptions from the read model, with where their delivery stands: the delivery
 * worker's checkpoint and newest attempt, and the store's head for the lag.
 */
@Injectable()
export class SubscriptionQueries {
  constructor(
    private readonly db: DataSource,
    @Inject(READ_MODEL_PROGRESS)
    private readonly projections: ReadModelProgress,
    @Inject(DELIVERY_LOG) private readonly log: DeliveryLog,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  /** The subscription if it belongs to `orgId`; waits briefly for the projection on a miss. */
  async get(
    orgId: string,
    subscriptionId: string,
  ): Promise<SubscriptionResource> {
    return this.describe(await this.row(orgId, subscriptionId));
  }

  /**
   * How many subscriptions the org has that are not deleted, once the read model has folded
   * everything committed now (briefly waited for): what the per-org cap counts.
   */
  async countKept(orgId: string): Promise<number> {
    await this.projections.catchUpToHead(1000).catch(() => undefined);
    return this.db.manager.count(SubscriptionEntity, {
      where: { orgId, state: Not('deleted') },
    });
  }

  /** The org's newest `limit` subscriptions. */
  async list(orgId: string, limit: number): Promise<SubscriptionResource[]> {
    const rows = await this.db.manager.find(SubscriptionEntity, {
      where: { orgId },
      order: { createdAt: 'DESC', subscriptionId: 'DESC' },
      take: limit,
    });
    return Promise.all(rows.map((row) => this.describe(row)));
  }

  async deliveries(
    orgId: string,
    subscriptionId: string,
    limit: number,
  ): Promise<DeliveryResource[]> {
    await this.row(orgId, subscriptionId);
    return (await this.attemptsOf(subscriptionId, limit)).map(
      toDeliveryResource,
    );
  }

  /** A row (from the read model or folded from a command's events) as the API answers it. */
  async describe(row: SubscriptionRow): Promise<SubscriptionResource> {
    const [cursor, head, newest] = await Promise.all([
      this.log.cursor(row.subscriptionId),
      this.store.headPosition(),
      this.attemptsOf(row.subscriptionId, 1),
    ]);
    return toSubscriptionResource(row, {
      position: Math.max(cursor?.position ?? 0, row.createdPosition),
      head,
      failingSince: cursor?.failingSince ?? null,
      lastDelivery: newest[0],
    });
  }

  private attemptsOf(subscriptionId: string, limit: number) {
    return this.log.attempts(subscriptionId, limit);
  }

  private async row(
    orgId: string,
    subscriptionId: string,
  ): Promise<SubscriptionRow> {
    let row = await this.db.manager.findOneBy(SubscriptionEntity, {
      subscriptionId,
    });
    if (!row) {
      await this.projections.catchUpToHead();
      row = await this.db.manager.findOneBy(SubscriptionEntity, {
        subscriptionId,
      });
    }
    if (!row || row.orgId !== orgId) throw subscriptionNotFound(subscriptionId);
    return row;
  }
}
