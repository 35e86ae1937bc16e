import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { POSITION_TRANSFORMER } from '../../infrastructure/read-model-db/position-column';
import type { HistoryRow } from './history.row';

@Entity({ name: 'history' })
@Index('history_repo_position', ['repoId', 'position'])
@Index('history_job_position', ['jobId', 'position'])
export class HistoryEntity implements HistoryRow {
  @PrimaryColumn('integer', { transformer: POSITION_TRANSFORMER })
  position!: number;
  @Column('text') orgId!: string;
  @Column('text') repoId!: string;
  @Column('text', { nullable: true }) jobId!: string | null;
  @Column('text') type!: string;
  @Column('text', { nullable: true }) actor!: string | null;
  @Column('text') at!: string;
  @Column('simple-json') data!: object;
}
