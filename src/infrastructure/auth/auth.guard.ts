import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/domain-error';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { PUBLIC_ROUTE } from './public.decorator';

/** The org every request runs as when `STACKYARD_TOKENS` is unset. */
export const DEFAULT_ORG = 'default';

/** A request after the guard: the org its token belongs to. */
export type AuthedRequest = FastifyRequest & { orgId?: string };

/**
 * Bearer-token auth: each token of `STACKYARD_TOKENS` belongs to one org, and every read
 * and write is scoped to it. `access_token` in the query is accepted too, because a
 * browser's EventSource cannot send headers. Without tokens everyone is the org `default`
 * (and the service listens on loopback only, see app-config).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (
      this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [
        context.getHandler(),
        context.getClass(),
      ])
    )
      return true;
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const tokens = this.config.tokens;
    if (!tokens) {
      request.orgId = DEFAULT_ORG;
      return true;
    }
    const token = tokenOf(request);
    const orgId = token === undefined ? undefined : tokens.get(token);
    if (orgId === undefined) {
      throw new DomainError(
        'AUTH.UNAUTHORIZED',
        'unauthorized',
        token === undefined
          ? 'A bearer token is required (Authorization: Bearer <token>)'
          : 'The bearer token is not known',
      );
    }
    request.orgId = orgId;
    return true;
  }
}

function tokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1];
  }
  const query = request.query as Record<string, unknown> | undefined;
  const fromQuery = query?.access_token;
  return typeof fromQuery === 'string' && fromQuery !== ''
    ? fromQuery
    : undefined;
}
