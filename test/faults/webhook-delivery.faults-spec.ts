import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeliverable } from '../../src/domain/subscription/deliverable';
import { GitFixture } from '../support/git-fixture';
import { freePort } from '../support/service-process';
import { WebhookReceiver } from '../support/webhook-receiver';
import { FixedPortService } from './support/fixed-port-service';
import { settledProcessesIn } from './support/processes';
import { readEvents } from './support/store-files';

const TOKEN = 'tok-one';
const FINAL_JOB_EVENTS = new Set([
  'RepoActionCompleted',
  'RepoActionFailed',
  'RepoActionCancelled',
]);

/**
 * A receiver down while the service is killed with SIGKILL and started again: the
 * subscription's cursor is durable, so once both are back every event of the org since the
 * subscription's creation arrives, in order, repeats only by event id.
 */
describe('outbound webhooks across a SIGKILL of the service', () => {
  let root: string | undefined;
  let fx: GitFixture | undefined;
  const services: FixedPortService[] = [];
  let receiver: WebhookReceiver | undefined;

  afterEach(async () => {
    for (const service of services.splice(0)) await service.kill();
    await receiver?.close().catch(() => undefined);
    if (root !== undefined) {
      await settledProcessesIn(root);
      rmSync(root, { recursive: true, force: true, maxRetries: 5 });
    }
    fx?.dispose();
  });

  it('delivers everything once the receiver and the service are back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stackyard-hooks-faults-'));
    root = dir;
    const tmpDir = join(dir, 'tmp');
    mkdirSync(tmpDir);
    const dataDir = join(dir, 'data');
    fx = new GitFixture();
    const port = await freePort();
    receiver = await WebhookReceiver.start();
    const receiverPort = receiver.port;
    const start = async () => {
      const service = FixedPortService.spawn({
        port,
        cwd: dir,
        dataDir,
        tmpDir,
        env: {
          STACKYARD_TOKENS: `${TOKEN}=org-one,tok-two=org-two`,
          STACKYARD_WEBHOOK_HOSTS: `127.0.0.1:${receiverPort}`,
          STACKYARD_WEBHOOK_RETRY_BASE_MS: '10',
          STACKYARD_WEBHOOK_RETRY_CAP_MS: '100',
          LOG_LEVEL: 'verbose',
        },
      });
      services.push(service);
      await service.listening();
      return service;
    };
    const call = async (
      service: FixedPortService,
      path: string,
      body: object,
      token = TOKEN,
    ) => {
      const res = await fetch(`${service.baseUrl}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
        },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as Record<string, unknown>;
      if (res.status >= 300)
        throw new Error(`${path}: ${JSON.stringify(json)}`);
      return json;
    };
    const secret = `crash-test-secret-${Date.now()}`;

    const first = await start();
    const subscription = await call(first, '/subscriptions', {
      url: receiver.url,
      secret,
    });
    const repo = await call(first, '/repos', {
      name: 'one',
      remoteUrl: fx.origin,
    });
    await call(
      first,
      '/repos',
      { name: 'two', remoteUrl: fx.origin },
      'tok-two',
    );
    // Some deliveries arrive; then the receiver goes down.
    await receiver.until((r) => r.length >= 3);
    const beforeTheKill = receiver;
    await receiver.close();
    for (let i = 0; i < 3; i++)
      await call(first, `/repos/${String(repo.repoId)}/actions`, {
        action: 'sync_repo',
      });
    await first.kill();

    const second = await start();
    for (let i = 0; i < 2; i++)
      await call(second, `/repos/${String(repo.repoId)}/actions`, {
        action: 'sync_repo',
      });
    receiver = await WebhookReceiver.start(receiverPort);
    const expected = () => {
      const events = readEvents(join(dataDir, 'events.sqlite'));
      const created = events.find(
        (e) =>
          e.streamId === `subscription-${String(subscription.subscriptionId)}`,
      )!;
      return events.filter(
        (e) =>
          e.position > created.position &&
          isDeliverable(e, {
            orgId: 'org-one',
            repoId: null,
            eventTypes: null,
          }),
      );
    };
    // Every job ends, so the history stops growing; then everything must come.
    const jobsDone = () =>
      expected().filter((e) => FINAL_JOB_EVENTS.has(e.type)).length;
    const requested = () =>
      expected().filter((e) => e.type === 'RepoActionRequested').length;
    // What both receivers got, in the order it came, each event once.
    const arrivals = () => [
      ...new Set(
        [...beforeTheKill.firstArrivals(), ...receiver!.firstArrivals()].map(
          (r) => r.id,
        ),
      ),
    ];
    await receiver.until(
      () =>
        requested() === 6 &&
        jobsDone() === 6 &&
        arrivals().length >= expected().length,
    );
    expect(arrivals()).toEqual(expected().map((e) => e.eventId));
    beforeTheKill.verifyAll(secret);
    receiver.verifyAll(secret);
    expect(second.logs()).not.toContain(secret);
    expect(first.logs()).not.toContain(secret);
  });
});
