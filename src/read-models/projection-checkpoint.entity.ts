import { Column, Entity, PrimaryColumn } from 'typeorm';
import { POSITION_TRANSFORMER } from '../infrastructure/read-model-db/position-column';

/** The last global position a projector has folded into its rows. */
@Entity({ name: 'projection_checkpoints' })
export class ProjectionCheckpointEntity {
  @PrimaryColumn('text') name!: string;
  @Column('integer', { transformer: POSITION_TRANSFORMER }) position!: number;
  @Column('text') updatedAt!: string;
}
