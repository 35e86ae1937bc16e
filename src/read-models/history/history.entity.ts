import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { HistoryRow } from './history.row';

@Entity({ name: 'history' })
@Index('history_repo_position', ['repoId', 'position'])
export class HistoryEntity implements HistoryRow {
  @PrimaryColumn('integer') position!: number;
  @Column('text') orgId!: string;
  @Column('text') repoId!: string;
  @Column('text', { nullable: true }) jobId!: string | null;
  @Column('text') type!: string;
  @Column('text') at!: string;
  @Column('simple-json') data!: object;
}
