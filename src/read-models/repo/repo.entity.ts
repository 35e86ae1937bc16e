import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { POSITION_TRANSFORMER } from '../../infrastructure/read-model-db/position-column';
import type { RepoBranchRow, RepoRow, RepoWebhookRow } from './repo.row';

@Entity({ name: 'repos' })
@Index('repos_org_name', ['orgId', 'name'])
export class RepoEntity implements RepoRow {
  @PrimaryColumn('text') repoId!: string;
  @Column('text') orgId!: string;
  @Column('text') name!: string;
  @Column('text') remoteUrl!: string;
  @Column('text') trunk!: string;
  @Column('text', { nullable: true }) trunkSha!: string | null;
  @Column('text') updatedAt!: string;
  @Column('text', { nullable: true }) lastJobId!: string | null;
  @Column('simple-json') branches!: RepoBranchRow[];
  @Column('simple-json') remoteBranches!: RepoRow['remoteBranches'];
  @Column('simple-json') tasks!: RepoRow['tasks'];
  @Column('boolean', { default: false }) webhookSecretSet!: boolean;
  @Column('boolean', { default: false }) autoRestack!: boolean;
  @Column('simple-json', { nullable: true })
  lastWebhook!: RepoWebhookRow | null;
  @Column('integer', { transformer: POSITION_TRANSFORMER }) position!: number;
}
