import {
  Body,
  Controller,
  Delete,
  HttpCode,
  Param,
  Put,
  UseGuards,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Org } from '../../infrastructure/auth/org.decorator';
import { RequestId } from '../../infrastructure/http/request-id';
import { AcceptingCommandsGuard } from '../../infrastructure/http/draining';
import { parseInput } from '../../infrastructure/http/parse-body';
import {
  type RepoSettingsResource,
  toRepoSettingsResource,
} from '../../read-models/repo/repo-settings.resource';
import { SetWebhookSecretCommand } from './set-webhook-secret.command';
import { SetWebhookSecretBody } from './set-webhook-secret.dto';

@Controller('repos/:repoId/webhook-secret')
@UseGuards(AcceptingCommandsGuard)
export class SetWebhookSecretController {
  constructor(private readonly commands: CommandBus) {}

  /** 200 with the repo's settings: the secret is set (or replaced). */
  @Put()
  @HttpCode(200)
  async set(
    @Org() orgId: string,
    @RequestId() requestId: string,
    @Param('repoId') repoId: string,
    @Body() body: unknown,
  ): Promise<RepoSettingsResource> {
    const { webhookSecret } = parseInput(SetWebhookSecretBody, body);
    const { state } = await this.commands.execute(
      new SetWebhookSecretCommand(orgId, repoId, webhookSecret, requestId),
    );
    return toRepoSettingsResource(repoId, state);
  }

  /** 200 with the repo's settings: the repo has no secret (any more); its hooks are refused. */
  @Delete()
  @HttpCode(200)
  async remove(
    @Org() orgId: string,
    @RequestId() requestId: string,
    @Param('repoId') repoId: string,
  ): Promise<RepoSettingsResource> {
    const { state } = await this.commands.execute(
      new SetWebhookSecretCommand(orgId, repoId, undefined, requestId),
    );
    return toRepoSettingsResource(repoId, state);
  }
}
