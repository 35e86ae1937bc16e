import { Body, Controller, Post, Res, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { Org } from '../../infrastructure/auth/org.decorator';
import { RequestId } from '../../infrastructure/http/request-id';
import { AcceptingCommandsGuard } from '../../infrastructure/http/draining';
import { parseInput } from '../../infrastructure/http/parse-body';
import { foldRow } from '../../projections/projection';
import { repoProjection } from '../../projections/repo/repo.projection';
import {
  type RegisteredRepoResource,
  toRepoResource,
} from '../../read-models/repo/repo.resource';
import { RegisterRepoCommand } from './register-repo.command';
import { DEFAULT_TRUNK, RegisterRepoBody } from './register-repo.dto';

@Controller('repos')
@UseGuards(AcceptingCommandsGuard)
export class RegisterRepoController {
  constructor(private readonly commands: CommandBus) {}

  /** 202 with the repo and `initialJobId`, the `sync_repo` job that clones it. */
  @Post()
  async register(
    @Org() orgId: string,
    @RequestId() requestId: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RegisteredRepoResource> {
    const input = parseInput(RegisterRepoBody, body);
    const { repoId, stream, initialJob } = await this.commands.execute(
      new RegisterRepoCommand(
        orgId,
        input.name,
        input.remoteUrl,
        input.trunk ?? DEFAULT_TRUNK,
        input.webhookSecret,
        requestId,
      ),
    );
    void reply.status(202).header('location', `/repos/${repoId}`);
    // The overview as the read model will show it: registered, its first job queued.
    const row = foldRow(repoProjection, [...stream, ...initialJob.stream])!;
    return { ...toRepoResource(row), initialJobId: initialJob.jobId };
  }
}
