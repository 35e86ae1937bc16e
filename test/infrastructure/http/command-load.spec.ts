import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { lastValueFrom, Subject, throwError } from 'rxjs';
import {
  BUSY_AT,
  countsAsCommand,
  ServerCommandLoad,
} from '../../../src/infrastructure/http/command-load';

/** An HTTP execution context around a request as the auth guard left it. */
const http = (request: { method: string; orgId?: string }) =>
  ({
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => request }),
  }) as unknown as ExecutionContext;

describe('command load', () => {
  it('counts commands of an authenticated org, not reads, not anonymous requests', () => {
    expect(countsAsCommand({ method: 'POST', orgId: 'org-1' })).toBe(true);
    expect(countsAsCommand({ method: 'DELETE', orgId: 'org-1' })).toBe(true);
    expect(countsAsCommand({ method: 'GET', orgId: 'org-1' })).toBe(false);
    // No org: a public route (a forge hook) or a request the guard never let through.
    expect(countsAsCommand({ method: 'POST' })).toBe(false);
  });

  it('is busy while BUSY_AT counted commands are in their handlers, and no longer once they answer or fail', async () => {
    const load = new ServerCommandLoad();
    const answers = Array.from(
      { length: BUSY_AT },
      () => new Subject<unknown>(),
    );
    const running = answers.map((answer) =>
      lastValueFrom(
        load.intercept(http({ method: 'POST', orgId: 'org-1' }), {
          handle: () => answer,
        } as CallHandler),
      ).catch(() => undefined),
    );
    // Anonymous or read requests in any number do not count.
    for (let i = 0; i < 10; i++) {
      void lastValueFrom(
        load.intercept(http({ method: 'POST' }), {
          handle: () => new Subject(),
        } as CallHandler),
      );
      void lastValueFrom(
        load.intercept(http({ method: 'GET', orgId: 'org-1' }), {
          handle: () => new Subject(),
        } as CallHandler),
      );
    }
    expect(load.busy).toBe(true);
    answers[0]!.next('done');
    answers[0]!.complete();
    await running[0];
    expect(load.busy).toBe(false);
    // A failed command leaves the count as well.
    const failing = lastValueFrom(
      load.intercept(http({ method: 'POST', orgId: 'org-1' }), {
        handle: () => throwError(() => new Error('refused')),
      } as CallHandler),
    ).catch(() => undefined);
    await failing;
    expect(load.busy).toBe(false);
  });
});
