import { EventEmitter } from 'node:events';
import type { ExecutionContext } from '@nestjs/common';
import {
  BUSY_AT,
  type ClosingResponse,
  countsAsCommand,
  ServerCommandLoad,
} from '../../../src/infrastructure/http/command-load';

/** A response that closes once, as Node's does (sent whole or its connection lost). */
class Response extends EventEmitter implements ClosingResponse {
  closed = false;
  close(): void {
    this.closed = true;
    this.emit('close');
  }
}

/** An HTTP execution context around a request as the auth guard left it. */
const http = (request: { method: string; orgId?: string }, raw: Response) =>
  ({
    getType: () => 'http',
    switchToHttp: () => ({
      getRequest: () => request,
      getResponse: () => ({ raw }),
    }),
  }) as unknown as ExecutionContext;

describe('command load', () => {
  it('counts commands of an authenticated org, not reads, not anonymous requests', () => {
    expect(countsAsCommand({ method: 'POST', orgId: 'org-1' })).toBe(true);
    expect(countsAsCommand({ method: 'DELETE', orgId: 'org-1' })).toBe(true);
    expect(countsAsCommand({ method: 'GET', orgId: 'org-1' })).toBe(false);
    // No org: a public route (a forge hook) or a request the guard never let through.
    expect(countsAsCommand({ method: 'POST' })).toBe(false);
  });

  it('is busy while BUSY_AT counted commands are unanswered, and no longer once one closes', () => {
    const load = new ServerCommandLoad();
    const answers = Array.from({ length: BUSY_AT }, () => new Response());
    for (const answer of answers)
      expect(
        load.canActivate(http({ method: 'POST', orgId: 'org-1' }, answer)),
      ).toBe(true);
    // Anonymous or read requests in any number pass, uncounted.
    for (let i = 0; i < 10; i++) {
      expect(load.canActivate(http({ method: 'POST' }, new Response()))).toBe(
        true,
      );
      expect(
        load.canActivate(
          http({ method: 'GET', orgId: 'org-1' }, new Response()),
        ),
      ).toBe(true);
    }
    expect(load.busy).toBe(true);
    answers[0]!.close();
    expect(load.busy).toBe(false);
    // Closing is counted once: a second close event changes nothing.
    answers[0]!.emit('close');
    answers[1]!.close();
    load.canActivate(http({ method: 'POST', orgId: 'org-1' }, new Response()));
    load.canActivate(http({ method: 'POST', orgId: 'org-1' }, new Response()));
    expect(load.busy).toBe(true);
  });

  it('does not count a command whose connection closed before its handler took it', () => {
    const load = new ServerCommandLoad();
    const gone = new Response();
    gone.close();
    for (let i = 0; i < BUSY_AT; i++)
      load.canActivate(http({ method: 'POST', orgId: 'org-1' }, gone));
    // Nothing would ever close them again: counted, they would keep the service busy for ever.
    expect(load.busy).toBe(false);
  });
});
