import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { POSITION_TRANSFORMER } from './position-column';

/**
 * One delivery attempt (see DeliveryLog), the newest few per subscription. `attemptId` is a
 * UUIDv7: in byte order it is the order the attempts were made.
 */
@Entity({ name: 'subscription_deliveries' })
@Index('subscription_deliveries_newest', ['subscriptionId', 'attemptId'])
export class SubscriptionDeliveryEntity {
  @PrimaryColumn('text') attemptId!: string;
  @Column('text') subscriptionId!: string;
  @Column('text') eventId!: string;
  @Column('integer', { transformer: POSITION_TRANSFORMER }) position!: number;
  @Column('text') eventType!: string;
  @Column('integer') attempt!: number;
  @Column('integer', { nullable: true }) statusCode!: number | null;
  @Column('text', { nullable: true }) error!: string | null;
  @Column('integer') latencyMs!: number;
  @Column('text') at!: string;
}
