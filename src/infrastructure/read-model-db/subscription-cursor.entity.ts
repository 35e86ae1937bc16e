import { Column, Entity, PrimaryColumn } from 'typeorm';
import { POSITION_TRANSFORMER } from './position-column';

/** A subscription's delivery checkpoint (see DeliveryLog), written by the delivery worker. */
@Entity({ name: 'subscription_cursors' })
export class SubscriptionCursorEntity {
  @PrimaryColumn('text') subscriptionId!: string;
  @Column('integer', { transformer: POSITION_TRANSFORMER }) position!: number;
  @Column('text', { nullable: true }) failingSince!: string | null;
  @Column('text') updatedAt!: string;
}
