import { Inject } from '@nestjs/common';
import { narrowAll, REPO_EVENTS } from '../../domain/events/stackyard-event';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { v5 as uuidv5 } from 'uuid';
import { foldEvents } from '../../domain/decider';
import { repoDecider } from '../../domain/repo/repo.decider';
import { repoStream } from '../../domain/streams';
import { ConcurrencyError } from '../../infrastructure/event-store/event-store.errors';
import {
  EVENT_STORE,
  type EventStore,
} from '../../infrastructure/event-store/event-store.port';
import { RepoDirectory } from '../../read-models/repo/repo-directory';
import type { RepoResource } from '../../read-models/repo/repo.resource';
import { requestMetadata } from '../event-metadata';
import { RequestJobCommand } from '../request-job/request-job.command';
import { RegisterRepoCommand } from './register-repo.command';

/** Namespace of repo ids derived from (org, name). */
const REPO_IDS = 'b8a4f0d2-5c61-4e0b-9a7e-2f3d4c5b6a71';

/**
 * Registers a repo and queues its first `sync_repo` job, which clones it. The repo id is
 * derived from the org and the name, and the append expects a new stream: one name is one
 * repo per org, even under concurrent registrations.
 */
@CommandHandler(RegisterRepoCommand)
export class RegisterRepoHandler implements ICommandHandler<RegisterRepoCommand> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly repos: RepoDirectory,
    private readonly commands: CommandBus,
  ) {}

  async execute(command: RegisterRepoCommand): Promise<RepoResource> {
    const { orgId, name, remoteUrl, trunk } = command;
    const repoId = uuidv5(`${orgId}\n${name}`, REPO_IDS).replace(/-/g, '');
    const data = { repoId, orgId, name, remoteUrl, trunk };
    const at = new Date().toISOString();
    const register = { type: 'RegisterRepo' as const, data };
    const events = repoDecider.decide(register, repoDecider.initialState());
    try {
      await this.store.appendToStream(
        repoStream(repoId),
        events.map((e) => ({
          ...e,
          metadata: requestMetadata({
            orgId,
            repoId,
            correlationId: repoId,
            at,
          }),
        })),
        { expectedVersion: 'no_stream' },
      );
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
      // The name is taken: deciding on the stored state raises REPO.ALREADY_REGISTERED.
      const stored = await this.store.readStream(repoStream(repoId));
      repoDecider.decide(
        register,
        foldEvents(repoDecider, narrowAll(stored, REPO_EVENTS)),
      );
      throw error;
    }
    this.repos.add(data);
    const { job } = await this.commands.execute(
      new RequestJobCommand(orgId, repoId, { action: 'sync_repo' }, undefined),
    );
    return {
      repoId,
      name,
      remoteUrl,
      trunk,
      trunkSha: null,
      updatedAt: at,
      lastJobId: job.jobId,
      initialJobId: job.jobId,
      branches: [],
      untrackedBranches: [],
    };
  }
}
