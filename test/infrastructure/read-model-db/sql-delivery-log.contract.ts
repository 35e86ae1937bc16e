import type { ReadModelEngine } from '../../support/read-model-engines';
import {
  openTestReadModels,
  type TestReadModels,
} from '../../support/read-model-engines';
import { SqlDeliveryLog } from '../../../src/infrastructure/read-model-db/sql-delivery-log';
import {
  DELIVERIES_KEPT,
  type DeliveryAttempt,
} from '../../../src/infrastructure/webhooks/delivery-log.port';

const attempt = (
  n: number,
  extra: Partial<DeliveryAttempt> = {},
): DeliveryAttempt => ({
  subscriptionId: 'sub-1',
  eventId: `event-${n}`,
  position: n,
  eventType: 'RepoRegistered',
  attempt: 1,
  statusCode: 200,
  error: null,
  latencyMs: 3,
  at: new Date(1_800_000_000_000 + n).toISOString(),
  ...extra,
});

/** The delivery worker's tables, the same on every read-model engine. */
export function deliveryLogContract(engine: ReadModelEngine): void {
  describe(`the delivery log on ${engine}`, () => {
    let db: TestReadModels;
    let log: SqlDeliveryLog;

    beforeEach(async () => {
      db = await openTestReadModels(engine);
      log = new SqlDeliveryLog(db.ds);
    });

    afterEach(() => db.close());

    it('keeps a cursor that only moves forward, with the failing-since time as given', async () => {
      expect(await log.cursor('sub-1')).toBeUndefined();
      await log.record('sub-1', { position: 5, failingSince: null }, []);
      await log.record(
        'sub-1',
        { position: 3, failingSince: '2026-01-01T00:00:00.000Z' },
        [],
      );
      expect(await log.cursor('sub-1')).toEqual({
        position: 5,
        failingSince: '2026-01-01T00:00:00.000Z',
      });
      await log.record('sub-2', { position: 9, failingSince: null }, []);
      expect(await log.cursors(['sub-1', 'sub-2', 'sub-3'])).toEqual(
        new Map([
          ['sub-1', { position: 5, failingSince: '2026-01-01T00:00:00.000Z' }],
          ['sub-2', { position: 9, failingSince: null }],
        ]),
      );
    });

    it('lists attempts newest first and keeps only the newest per subscription', async () => {
      const many = Array.from({ length: DELIVERIES_KEPT + 20 }, (_, i) =>
        attempt(
          i + 1,
          i % 2 ? { statusCode: null, error: 'ECONNREFUSED' } : {},
        ),
      );
      for (let i = 0; i < many.length; i += 30)
        await log.record(
          'sub-1',
          {
            position: many[Math.min(i + 29, many.length - 1)]!.position,
            failingSince: null,
          },
          many.slice(i, i + 30),
        );
      await log.record('sub-2', { position: 1, failingSince: null }, [
        attempt(1, { subscriptionId: 'sub-2' }),
      ]);
      const kept = await log.attempts('sub-1', 1000);
      expect(kept).toHaveLength(DELIVERIES_KEPT);
      expect(kept[0]).toEqual(many.at(-1));
      expect(kept.at(-1)).toEqual(many[20]);
      expect(await log.attempts('sub-2', 10)).toEqual([
        attempt(1, { subscriptionId: 'sub-2' }),
      ]);
      expect(await log.attempts('sub-1', 2)).toEqual([
        many.at(-1),
        many.at(-2),
      ]);
    });
  });
}
