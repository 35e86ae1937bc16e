import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { POSITION_TRANSFORMER } from '../../infrastructure/read-model-db/position-column';
import type { TaskRow } from './task.row';

@Entity({ name: 'tasks' })
@Index('tasks_repo_created', ['repoId', 'createdAt'])
export class TaskEntity implements TaskRow {
  @PrimaryColumn('text') taskId!: string;
  @Column('text') orgId!: string;
  @Column('text') repoId!: string;
  @Column('text') title!: string;
  @Column('text') branchName!: string;
  @Column('text', { nullable: true }) parentBranch!: string | null;
  @Column('text', { nullable: true }) idempotencyKey!: string | null;
  @Column('text') status!: TaskRow['status'];
  @Column('text', { nullable: true }) jobId!: string | null;
  @Column('text', { nullable: true }) headSha!: string | null;
  @Column('text', { nullable: true }) parent!: string | null;
  @Column('simple-json', { nullable: true }) error!: TaskRow['error'];
  @Column('text') createdAt!: string;
  @Column('text') updatedAt!: string;
  @Column('integer', { transformer: POSITION_TRANSFORMER }) position!: number;
}
