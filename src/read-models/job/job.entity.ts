import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { POSITION_TRANSFORMER } from '../../infrastructure/read-model-db/position-column';
import type { JobStatus } from '../../domain/job/job-status';
import type { JobRow } from './job.row';
import type { JobStep, JobAction } from '../../domain/events/job.events';

@Entity({ name: 'jobs' })
@Index('jobs_repo_requested', ['repoId', 'requestedAt'])
export class JobEntity implements JobRow {
  @PrimaryColumn('text') jobId!: string;
  @Column('text') orgId!: string;
  @Column('text') repoId!: string;
  @Column('text') action!: JobAction;
  @Column('text', { nullable: true }) branchName!: string | null;
  @Column('text', { nullable: true }) parentBranch!: string | null;
  @Column('text', { nullable: true }) idempotencyKey!: string | null;
  @Column('text', { nullable: true }) taskId!: string | null;
  @Column('text', { nullable: true }) undoOf!: string | null;
  @Column('boolean', { default: false }) undoable!: boolean;
  @Column('text') status!: JobStatus;
  @Column('text', { nullable: true }) step!: JobStep | null;
  @Column('text', { nullable: true }) message!: string | null;
  @Column('integer', { nullable: true }) progressDone!: number | null;
  @Column('integer', { nullable: true }) progressTotal!: number | null;
  @Column('integer') attempt!: number;
  @Column('boolean') cancelRequested!: boolean;
  @Column('text') requestedAt!: string;
  @Column('text', { nullable: true }) startedAt!: string | null;
  @Column('text', { nullable: true }) finishedAt!: string | null;
  @Column('text') updatedAt!: string;
  @Column('simple-json', { nullable: true }) result!: JobRow['result'];
  @Column('simple-json', { nullable: true }) error!: JobRow['error'];
  @Column('integer', { transformer: POSITION_TRANSFORMER }) position!: number;
}
