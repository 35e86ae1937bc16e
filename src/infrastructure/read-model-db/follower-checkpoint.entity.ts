import { Column, Entity, PrimaryColumn } from 'typeorm';
import { POSITION_TRANSFORMER } from './position-column';

/**
 * A follower's checkpoint (see FollowerCheckpoints): the sagas and the repo directory keep
 * theirs beside the read models, which are rebuildable too. Dropped with them by a rebuild,
 * after which each follower folds the history once and checkpoints again.
 */
@Entity({ name: 'follower_checkpoints' })
export class FollowerCheckpointEntity {
  @PrimaryColumn('text') name!: string;
  @Column('integer', { transformer: POSITION_TRANSFORMER }) position!: number;
  @Column('text') eventId!: string;
  @Column('integer') version!: number;
  @Column('text') state!: string;
  @Column('text') updatedAt!: string;
}
