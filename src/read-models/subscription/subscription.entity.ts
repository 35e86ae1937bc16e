import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { POSITION_TRANSFORMER } from '../../infrastructure/read-model-db/position-column';
import type { SubscriptionRow } from './subscription.row';

@Entity({ name: 'subscriptions' })
@Index('subscriptions_org_created', ['orgId', 'createdAt'])
export class SubscriptionEntity implements SubscriptionRow {
  @PrimaryColumn('text') subscriptionId!: string;
  @Column('text') orgId!: string;
  @Column('text') url!: string;
  @Column('text', { nullable: true }) repoId!: string | null;
  @Column('simple-json', { nullable: true })
  eventTypes!: SubscriptionRow['eventTypes'];
  @Column('text') state!: SubscriptionRow['state'];
  @Column('text', { nullable: true }) pausedReason!: string | null;
  @Column('text', { nullable: true }) pausedAt!: string | null;
  @Column('text', { nullable: true }) idempotencyKey!: string | null;
  @Column('integer', { transformer: POSITION_TRANSFORMER })
  createdPosition!: number;
  @Column('text') createdAt!: string;
  @Column('text') updatedAt!: string;
  @Column('integer', { transformer: POSITION_TRANSFORMER }) position!: number;
}
