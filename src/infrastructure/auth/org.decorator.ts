import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthedRequest } from './auth.guard';

/** The org of the request's token, as the AuthGuard resolved it. */
export const Org = createParamDecorator(
  (_: unknown, context: ExecutionContext): string => {
    const orgId = context.switchToHttp().getRequest<AuthedRequest>().orgId;
    if (orgId === undefined) throw new Error('AuthGuard did not run');
    return orgId;
  },
);
