import { HistoryEntity } from '../../../src/read-models/history/history.entity';
import { historyWriter } from '../../../src/projections/history/history.writer';
import type { HistoryRow } from '../../../src/read-models/history/history.row';
import {
  openTestReadModels,
  type ReadModelEngine,
  type TestReadModels,
} from '../../support/read-model-engines';

const aHistoryRow = (data: Partial<HistoryRow> = {}): HistoryRow => ({
  position: 1,
  orgId: 'org-1',
  repoId: 'repo-1',
  jobId: 'job-1',
  type: 'RepoActionRequested',
  actor: 'org:org-1',
  at: '2026-01-01T00:00:00.000Z',
  data: { action: 'restack_repo', nested: { list: [1, 2] } },
  ...data,
});

/** The history writer's behaviour on read models of `engine`. */
export function historyWriterContract(engine: ReadModelEngine): void {
  describe(`history writer on ${engine}`, () => {
    let db: TestReadModels;

    beforeEach(async () => {
      db = await openTestReadModels(engine);
    });

    afterEach(async () => {
      await db.close();
    });

    const save = (changes: ReadonlyMap<string, HistoryRow | null>) =>
      db.ds.transaction((tx) => historyWriter.save(tx, changes));
    const stored = () =>
      db.ds.manager.find(HistoryEntity, { order: { position: 'ASC' } });

    it('given history rows saved, then the table holds each as it was', async () => {
      const rows = [
        aHistoryRow({ position: 1 }),
        aHistoryRow({
          position: 2,
          jobId: null,
          type: 'RepoRegistered',
          actor: null,
        }),
      ];

      await save(new Map(rows.map((r) => [String(r.position), r])));

      expect(await stored()).toEqual(rows);
    });

    it('given rows in the table, when loaded, then nothing is loaded: rows are only ever added', async () => {
      await save(new Map([['1', aHistoryRow()]]));

      const loaded = await db.ds.transaction((tx) =>
        historyWriter.load(tx, ['1']),
      );

      expect(loaded.size).toBe(0);
    });

    it('given a row saved, when its position is saved again, then there is still one row', async () => {
      await save(new Map([['1', aHistoryRow()]]));

      await save(new Map([['1', aHistoryRow()]]));

      expect(await stored()).toEqual([aHistoryRow()]);
    });

    it('given a row saved, when a null change comes for it, then it stays', async () => {
      await save(new Map([['1', aHistoryRow()]]));

      await save(new Map([['1', null]]));

      expect(await stored()).toHaveLength(1);
    });
  });
}
