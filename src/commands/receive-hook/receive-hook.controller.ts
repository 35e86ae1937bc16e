import {
  Body,
  Controller,
  Headers,
  Param,
  Post,
  Res,
  UseGuards,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { DomainError } from '../../domain/domain-error';
import type { HookForge } from '../../domain/events/hook.events';
import { Public } from '../../infrastructure/auth/public.decorator';
import { AcceptingCommandsGuard } from '../../infrastructure/http/draining';
import { RequestId } from '../../infrastructure/http/request-id';
import type { HookDeliveryResource } from '../../read-models/repo/hook-delivery.resource';
import { ReceiveHookCommand, type HookHeaders } from './receive-hook.command';

/**
 * The forges' push hooks. No bearer token: the delivery's signature (GitHub) or token
 * (GitLab), checked against the repo's webhook secret, is the credential. The body reaches
 * the handler as its raw bytes (see `infrastructure/http/raw-body.ts`).
 */
@Controller('hooks')
@Public()
@UseGuards(AcceptingCommandsGuard)
export class ReceiveHookController {
  constructor(private readonly commands: CommandBus) {}

  /** 202 for a push, 200 for a ping or a duplicate, 204 for another event (not recorded). */
  @Post('github/:repoId')
  async github(
    @RequestId() requestId: string,
    @Param('repoId') repoId: string,
    @Headers('x-hub-signature-256') signature: string | undefined,
    @Headers('x-github-delivery') deliveryId: string | undefined,
    @Headers('x-github-event') event: string | undefined,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<HookDeliveryResource | undefined> {
    return this.receive(
      'github',
      repoId,
      { credential: signature, deliveryId, event },
      body,
      reply,
      requestId,
    );
  }

  /**
   * The same for GitLab's push hook (`X-Gitlab-Token`; `Idempotency-Key`, else
   * `X-Gitlab-Event-UUID`, as the delivery id).
   */
  @Post('gitlab/:repoId')
  async gitlab(
    @RequestId() requestId: string,
    @Param('repoId') repoId: string,
    @Headers('x-gitlab-token') token: string | undefined,
    @Headers('x-gitlab-event-uuid') deliveryId: string | undefined,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('x-gitlab-event') event: string | undefined,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<HookDeliveryResource | undefined> {
    return this.receive(
      'gitlab',
      repoId,
      { credential: token, deliveryId, idempotencyKey, event },
      body,
      reply,
      requestId,
    );
  }

  private async receive(
    forge: HookForge,
    repoId: string,
    headers: HookHeaders,
    body: unknown,
    reply: FastifyReply,
    requestId: string,
  ): Promise<HookDeliveryResource | undefined> {
    const result = await this.commands.execute(
      new ReceiveHookCommand(
        forge,
        repoId,
        headers,
        rawBytesOf(body),
        requestId,
      ),
    );
    if (result.kind === 'ignored_event') {
      void reply.status(204);
      return undefined;
    }
    const { kind: _kind, ...answer } = result;
    void reply.status(
      answer.duplicate || answer.outcome === 'pong' ? 200 : 202,
    );
    return answer;
  }
}

/**
 * The body as it came: JSON arrives unparsed, as its bytes (what the signature covers). Any
 * other media type (GitHub's default, form-encoded, among them) was parsed on the way and
 * its bytes are lost: 415, before anything else is looked at.
 */
function rawBytesOf(body: unknown): Buffer {
  if (Buffer.isBuffer(body)) return body;
  throw new DomainError(
    'HOOK.UNSUPPORTED_MEDIA_TYPE',
    'unsupported_media_type',
    "A hook's body must be application/json: set the webhook's content type to application/json",
  );
}
