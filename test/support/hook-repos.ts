import { request as httpRequest } from 'node:http';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.port';
import { ProjectionRunnerService } from '../../src/projections/projection-runner.service';
import type {
  RegisteredRepoResource,
  RepoResource,
} from '../../src/read-models/repo/repo.resource';
import type { GitFixture } from './git-fixture';
import type { TestApp } from './test-app';

/** The events recorded after `position`. */
export async function eventsAfter(
  t: TestApp,
  position: number,
): Promise<RecordedEvent[]> {
  const page = await t.store.readAll({ fromPosition: position + 1 });
  return page.events;
}

export const requested = (events: RecordedEvent[]): RecordedEvent[] =>
  events.filter((e) => e.type === 'RepoActionRequested');

/** Registers the fixture's origin as `name`, with `webhookSecret` (null: none). */
export async function registerRepo(
  t: TestApp,
  fx: GitFixture,
  name: string,
  webhookSecret: string | null,
): Promise<RegisteredRepoResource> {
  const res = await t
    .http()
    .post('/repos')
    .send({
      name,
      remoteUrl: fx.origin,
      ...(webhookSecret !== null ? { webhookSecret } : {}),
    })
    .expect(202);
  return res.body as RegisteredRepoResource;
}

/** Registers the fixture's repo with the secret, clones it and tracks its stack. */
export async function registerStack(
  t: TestApp,
  fx: GitFixture,
  secret: string,
  name = 'demo',
): Promise<RegisteredRepoResource> {
  const repo = await registerRepo(t, fx, name, secret);
  await t.jobEnd(repo.initialJobId);
  const adopt = await t
    .http()
    .post(`/repos/${repo.repoId}/actions`)
    .send({ action: 'adopt_stack' })
    .expect(202);
  const end = await t.jobEnd((adopt.body as { jobId: string }).jobId);
  if (end.type !== 'RepoActionCompleted')
    throw new Error(`adopting the stack ended ${end.type}`);
  return repo;
}

export async function readRepo(
  t: TestApp,
  repoId: string,
): Promise<RepoResource> {
  await t.app
    .get(ProjectionRunnerService)
    .runner.waitForPosition(await t.store.headPosition());
  const res = await t.http().get(`/repos/${repoId}`).expect(200);
  return res.body as RepoResource;
}

/** What a server answered to a request whose body was not (or not yet) sent whole. */
export interface EarlyAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/**
 * A POST that announces `contentLength` bytes but sends only `firstBytes` of them, and
 * resolves with the answer: a server that answers it refused the request before reading
 * its body. With `expect: 100-continue`, `continued` resolves once the server took the
 * headers and asked for the body; `finish` sends the rest (so that many bodies can be
 * completed at once), `destroy` abandons it.
 */
export function postHeadFirst(
  url: string,
  path: string,
  headers: Record<string, string>,
  contentLength: number,
  firstBytes: Buffer,
): {
  answer: Promise<EarlyAnswer>;
  continued: Promise<void>;
  /** Sends the rest of the body and ends the request. */
  finish(rest: Buffer): void;
  destroy(): void;
} {
  const { hostname, port } = new URL(url);
  let continued!: () => void;
  const req = httpRequest({
    host: hostname,
    port,
    path,
    method: 'POST',
    headers: { ...headers, 'content-length': String(contentLength) },
  });
  const answer = new Promise<EarlyAnswer>((resolve, reject) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: text ? (JSON.parse(text) as unknown) : undefined,
        });
        req.destroy();
      });
    });
    req.on('error', reject);
  });
  // Destroying the request later rejects `answer`; nobody may be waiting for it then.
  answer.catch(() => undefined);
  req.on('continue', () => continued());
  req.flushHeaders();
  if (headers.expect === undefined) req.write(firstBytes);
  else req.once('continue', () => req.write(firstBytes));
  return {
    answer,
    continued: new Promise((resolve) => (continued = resolve)),
    finish: (rest) => req.end(rest),
    destroy: () => req.destroy(),
  };
}
