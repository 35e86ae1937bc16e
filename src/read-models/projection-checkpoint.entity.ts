import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The last global position a projector has folded into its rows. */
@Entity({ name: 'projection_checkpoints' })
export class ProjectionCheckpointEntity {
  @PrimaryColumn('text') name!: string;
  @Column('integer') position!: number;
  @Column('text') updatedAt!: string;
}
