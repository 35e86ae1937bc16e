import { randomUUID } from 'node:crypto';
import {
  HookJobQueue,
  hookQueueKeyId,
} from '../../../src/commands/receive-hook/hook-job.queue';
import { hookQueueStream, jobStream } from '../../../src/domain/streams';
import type { EventStore } from '../../../src/infrastructure/event-store/event-store.port';

const IDS = { orgId: 'org-1', repoId: 'repo-1' };
const metadata = (jobId: string) => ({
  ...IDS,
  jobId,
  actor: 'system:github-hook',
  correlationId: 'request-1',
  at: '2026-03-01T12:00:00.000Z',
});
const sync = (deliveryId = randomUUID()) => ({
  action: 'sync_repo' as const,
  deliveryId,
});

/** The job requests recorded so far (every stream's `RepoActionRequested`). */
async function requests(store: EventStore) {
  const { events } = await store.readAll({
    filter: { types: ['RepoActionRequested'] },
  });
  return events;
}

/**
 * The coalescing of hook jobs, on `open()`'s stores: two stores of one database are two
 * instances (on SQLite or in memory, the same store twice).
 */
export function hookJobQueueContract(
  name: string,
  setup: {
    open(): Promise<[EventStore, EventStore]>;
    close(): Promise<void>;
  },
): void {
  describe(`HookJobQueue on ${name}`, () => {
    let stores: [EventStore, EventStore];
    beforeEach(async () => {
      stores = await setup.open();
    });
    afterEach(() => setup.close());

    it('given ten pushes at once on two instances, then one job is queued and the other nine ride on it', async () => {
      const queues = stores.map((s) => new HookJobQueue(s));
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          queues[i % 2]!.enqueue(IDS, sync(), metadata, randomUUID()),
        ),
      );

      expect(answers.filter((a) => !a.coalesced)).toHaveLength(1);
      expect(new Set(answers.map((a) => a.jobId)).size).toBe(1);
      const asked = await requests(stores[0]);
      expect(asked.map((e) => e.data)).toEqual([
        { jobId: answers[0]!.jobId, ...IDS, action: 'sync_repo' },
      ]);
      expect(asked[0]!.metadata).toMatchObject({ actor: 'system:github-hook' });
    });

    it('given the queued job started, when another push comes, then a new job is queued, which the next push rides on', async () => {
      const queue = new HookJobQueue(stores[0]);
      const first = await queue.enqueue(IDS, sync(), metadata, randomUUID());
      await stores[0].appendToStream(
        jobStream(first.jobId),
        [{ type: 'RepoActionStarted', data: { attempt: 1, worker: 'w' } }],
        { expectedVersion: 0 },
      );

      const second = await queue.enqueue(IDS, sync(), metadata, randomUUID());
      const third = await new HookJobQueue(stores[1]).enqueue(
        IDS,
        sync(),
        metadata,
        randomUUID(),
      );

      expect(second.coalesced).toBe(false);
      expect(second.jobId).not.toBe(first.jobId);
      expect(third).toEqual({ jobId: second.jobId, coalesced: true });
      expect(await requests(stores[0])).toHaveLength(2);
    });

    it('given a job reserved whose request was never recorded (a stop in between), when a push comes, then its request is recorded and the push rides on it', async () => {
      await stores[0].appendToStream(
        hookQueueStream(IDS.repoId, hookQueueKeyId(sync())),
        [
          {
            type: 'WebhookJobQueued',
            data: {
              jobId: 'job-reserved',
              action: 'sync_repo',
              deliveryId: 'd-1',
            },
            metadata: metadata('job-reserved'),
          },
        ],
        { expectedVersion: 'no_stream' },
      );

      const answer = await new HookJobQueue(stores[1]).enqueue(
        IDS,
        sync(),
        metadata,
        randomUUID(),
      );

      expect(answer).toEqual({ jobId: 'job-reserved', coalesced: true });
      expect((await requests(stores[0])).map((e) => e.streamId)).toEqual([
        jobStream('job-reserved'),
      ]);
    });

    it("given a sync queued, then a branch's restack is queued apart, and each branch's restack apart", async () => {
      const queue = new HookJobQueue(stores[0]);
      const restack = (branchName: string) => ({
        action: 'restack_subtree' as const,
        branchName,
        deliveryId: randomUUID(),
      });
      const answers = [
        await queue.enqueue(IDS, sync(), metadata, randomUUID()),
        await queue.enqueue(IDS, restack('feature-a'), metadata, randomUUID()),
        await queue.enqueue(IDS, restack('feature-b'), metadata, randomUUID()),
        await queue.enqueue(IDS, restack('feature-a'), metadata, randomUUID()),
      ];
      expect(answers.map((a) => a.coalesced)).toEqual([
        false,
        false,
        false,
        true,
      ]);
      expect(answers[3]!.jobId).toBe(answers[1]!.jobId);
      expect(
        (await requests(stores[0])).map(
          (e) => (e.data as { branchName?: string }).branchName,
        ),
      ).toEqual([undefined, 'feature-a', 'feature-b']);
    });
    it('given the restacks of thirty branches and a sync asked at once on two instances, then each is queued, none refused as busy', async () => {
      const queues = stores.map((s) => new HookJobQueue(s));
      const asks = [
        sync(),
        ...Array.from({ length: 30 }, (_, i) => ({
          action: 'restack_subtree' as const,
          branchName: `feature-${i}/with a very ${'long '.repeat(60)}name`,
          deliveryId: randomUUID(),
        })),
      ];

      const answers = await Promise.all(
        asks.map((ask, i) =>
          queues[i % 2]!.enqueue(IDS, ask, metadata, randomUUID()),
        ),
      );

      expect(answers.filter((a) => a.coalesced)).toEqual([]);
      expect(await requests(stores[0])).toHaveLength(31);
    });

    it("given a copy of a delivery reserved its job and the job started, when the other copy enqueues the same derived job id, then it finds that job as its own and queues nothing more", async () => {
      const queue = new HookJobQueue(stores[0]);
      const delivery = sync();
      const first = await queue.enqueue(IDS, delivery, metadata, 'job-d1');
      await stores[0].appendToStream(
        jobStream(first.jobId),
        [{ type: 'RepoActionStarted', data: { attempt: 1, worker: 'w' } }],
        { expectedVersion: 0 },
      );

      const second = await new HookJobQueue(stores[1]).enqueue(
        IDS,
        delivery,
        metadata,
        'job-d1',
      );

      expect(second).toEqual({ jobId: 'job-d1', coalesced: false });
      expect(await requests(stores[0])).toHaveLength(1);
    });
  });
}
