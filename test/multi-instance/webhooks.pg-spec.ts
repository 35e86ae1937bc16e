import { randomBytes, randomUUID } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { isDeliverable } from '../../src/domain/subscription/deliverable';
import type { MessageMetadata } from '../../src/domain/message';
import type { JobResource } from '../../src/read-models/job/job.resource';
import type { RegisteredRepoResource } from '../../src/read-models/repo/repo.resource';
import type { CreatedSubscriptionResource } from '../../src/read-models/subscription/subscription.resource';
import { FaultService } from '../faults/support/fault-service';
import { GitFixture } from '../support/git-fixture';
import { WebhookReceiver } from '../support/webhook-receiver';

const FINAL_JOB_EVENTS = new Set([
  'RepoActionCompleted',
  'RepoActionFailed',
  'RepoActionCancelled',
]);

const URL =
  process.env.STACKYARD_TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/test';

/**
 * Two compiled instances on one PostgreSQL schema: a subscription is delivered by the
 * holder of its lease only, and when that instance is killed the other takes it over from
 * the checkpoint, so the receiver still gets every event of the org, in order.
 */
/** The local TCP ports of the sockets a process holds open (Linux, from /proc). */
function socketPorts(pid: number): Set<number> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
      if (inode) inodes.add(inode);
    } catch {
      // Closed while listed.
    }
  }
  const ports = new Set<number>();
  for (const table of ['tcp', 'tcp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8')
      .split('\n')
      .slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length > 9 && inodes.has(fields[9]!))
        ports.add(parseInt(fields[1]!.split(':')[1]!, 16));
    }
  }
  return ports;
}

describe('outbound webhooks on two instances', () => {
  let root: string;
  let schema: string;
  let fx: GitFixture;
  const instances: FaultService[] = [];
  let receiver: WebhookReceiver | undefined;
  let db: Client;

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'stackyard-hooks-pg-'));
    mkdirSync(join(root, 'tmp'));
    schema = `wh_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
    fx = new GitFixture();
    db = new Client({ connectionString: URL });
    await db.connect();
  });

  afterEach(async () => {
    for (const instance of instances.splice(0)) await instance.kill();
    await receiver?.close().catch(() => undefined);
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.end();
    fx.dispose();
    rmSync(root, { recursive: true, force: true, maxRetries: 5 });
  });

  it('delivers from the lease holder, and from the other instance once the holder is killed', async () => {
    const key = randomBytes(32).toString('base64');
    const start = async (i: number) => {
      const instance = await FaultService.start({
        cwd: root,
        dataDir: join(root, `data-${i}`),
        tmpDir: join(root, 'tmp'),
        env: {
          STACKYARD_DATABASE_URL: URL,
          STACKYARD_DATABASE_SCHEMA: schema,
          STACKYARD_INSTANCE_ID: `instance-${i}`,
          STACKYARD_SECRETS_KEY: key,
          STACKYARD_LEASE_MS: '1500',
          STACKYARD_WEBHOOK_HOSTS: `127.0.0.1:${receiver!.port}`,
          STACKYARD_WEBHOOK_RETRY_BASE_MS: '10',
          STACKYARD_WEBHOOK_RETRY_CAP_MS: '100',
        },
      });
      instances.push(instance);
      return instance;
    };
    receiver = await WebhookReceiver.start();
    const [a, b] = [await start(0), await start(1)];
    const secret = `pg-webhook-secret-${randomUUID()}`;
    const created = await a.post<CreatedSubscriptionResource>(
      '/subscriptions',
      {
        url: receiver.url,
        secret,
      },
    );
    expect(created.status).toBe(201);
    const id = created.body.subscriptionId;
    const repo = await a.post<RegisteredRepoResource>('/repos', {
      name: 'one',
      remoteUrl: fx.origin,
    });
    await receiver.until((r) => r.length >= 1);
    const holders = await db.query<{ holder: string }>(
      `SELECT holder FROM ${schema}.stackyard_leases WHERE name = $1`,
      [`subscription:${id}`],
    );
    const holder = holders.rows[0]!.holder;
    const [dying, surviving] = holder === 'instance-0' ? [a, b] : [b, a];
    // Every delivery so far came over a connection of the lease holder's process, none over
    // one of the other instance's (on loopback, the sender's port names its process).
    const from = new Set(receiver.received.map((r) => r.remotePort));
    const holderPorts = socketPorts(dying.pid);
    const otherPorts = socketPorts(surviving.pid);
    expect([...from].filter((p) => !holderPorts.has(p))).toEqual([]);
    expect([...from].filter((p) => otherPorts.has(p))).toEqual([]);
    await dying.kill();

    const jobs = [repo.body.initialJobId];
    for (let i = 0; i < 3; i++) {
      const job = await surviving.post<JobResource>(
        `/repos/${repo.body.repoId}/actions`,
        { action: 'sync_repo' },
      );
      expect(job.status).toBe(202);
      jobs.push(job.body.jobId);
    }
    const expected = async () => {
      const { rows } = await db.query<{
        global_position: string;
        stream_id: string;
        event_id: string;
        type: string;
        metadata: MessageMetadata;
      }>(
        `SELECT global_position, stream_id, event_id, type, metadata
           FROM ${schema}.events ORDER BY global_position`,
      );
      const createdAt = Number(
        rows.find((r) => r.stream_id === `subscription-${id}`)!.global_position,
      );
      return rows.filter(
        (r) =>
          Number(r.global_position) > createdAt &&
          isDeliverable(
            { streamId: r.stream_id, type: r.type, metadata: r.metadata },
            { orgId: 'default', repoId: null, eventTypes: null },
          ),
      );
    };
    // Deliveries come in order: once every job's end has arrived, so has all before it.
    await receiver.until(() => {
      const ends = new Set(
        receiver!
          .firstArrivals()
          .filter((r) => FINAL_JOB_EVENTS.has(r.type))
          .map((r) => r.jobId),
      );
      return jobs.every((jobId) => ends.has(jobId));
    });
    const all = await expected();
    await receiver.until(() => receiver!.firstArrivals().length >= all.length);
    expect(receiver.firstArrivals().map((r) => r.id)).toEqual(
      all.map((r) => r.event_id),
    );
    receiver.verifyAll(secret);
    const taken = await db.query<{ holder: string }>(
      `SELECT holder FROM ${schema}.stackyard_leases WHERE name = $1`,
      [`subscription:${id}`],
    );
    expect(taken.rows.map((r) => r.holder)).toEqual([
      holder === 'instance-0' ? 'instance-1' : 'instance-0',
    ]);
  });
});
