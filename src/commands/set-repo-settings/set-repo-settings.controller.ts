import {
  Body,
  Controller,
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
import { SetRepoSettingsCommand } from './set-repo-settings.command';
import { SetRepoSettingsBody } from './set-repo-settings.dto';

@Controller('repos/:repoId/settings')
@UseGuards(AcceptingCommandsGuard)
export class SetRepoSettingsController {
  constructor(private readonly commands: CommandBus) {}

  /** 200 with the repo's settings as they now are. */
  @Put()
  @HttpCode(200)
  async set(
    @Org() orgId: string,
    @RequestId() requestId: string,
    @Param('repoId') repoId: string,
    @Body() body: unknown,
  ): Promise<RepoSettingsResource> {
    const { autoRestack } = parseInput(SetRepoSettingsBody, body);
    const { state } = await this.commands.execute(
      new SetRepoSettingsCommand(orgId, repoId, autoRestack, requestId),
    );
    return toRepoSettingsResource(repoId, state);
  }
}
