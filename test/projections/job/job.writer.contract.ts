import { jobStream } from '../../../src/domain/streams';
import { jobProjection } from '../../../src/projections/job/job.projection';
import { jobWriter } from '../../../src/projections/job/job.writer';
import { foldRow } from '../../../src/projections/projection';
import type { JobRow } from '../../../src/read-models/job/job.row';
import {
  aCancelRequested,
  aRepoActionCompleted,
  aRepoActionFailed,
  aRepoActionProgressed,
  aRepoActionRequested,
  aRepoActionStarted,
  aStepCompleted,
  aStepStarted,
  anExecutionPlan,
} from '../../builders/job.builders';
import { aRecordedHistory } from '../../builders/recorded.builders';
import {
  openTestReadModels,
  type ReadModelEngine,
  type TestReadModels,
} from '../../support/read-model-engines';

/** The row the projection folds from a job's events. */
const aJobRow = (
  jobId: string,
  events: readonly { type: string; data: object }[],
): JobRow =>
  foldRow(
    jobProjection,
    aRecordedHistory().append(jobStream(jobId), [
      aRepoActionRequested({ jobId }),
      ...events,
    ]),
  )!;

/** The job writer's behaviour on read models of `engine`. */
export function jobWriterContract(engine: ReadModelEngine): void {
  describe(`job writer on ${engine}`, () => {
    let db: TestReadModels;

    beforeEach(async () => {
      db = await openTestReadModels(engine);
    });

    afterEach(async () => {
      await db.close();
    });

    const save = (changes: ReadonlyMap<string, JobRow | null>) =>
      db.ds.transaction((tx) => jobWriter.save(tx, changes));
    const load = (keys: readonly string[]) =>
      db.ds.transaction((tx) => jobWriter.load(tx, keys));

    it('given rows saved, when loaded by key, then each comes back as it was (JSON, booleans and nulls included)', async () => {
      const running = aJobRow('job-1', [
        aRepoActionStarted(),
        aStepStarted(),
        aRepoActionProgressed({ done: 2, total: 5 }),
        aCancelRequested(),
      ]);
      const completed = aJobRow('job-2', [aRepoActionCompleted()]);
      const failed = aJobRow('job-3', [aRepoActionFailed()]);

      await save(
        new Map([
          ['job-1', running],
          ['job-2', completed],
          ['job-3', failed],
        ]),
      );

      const rows = await load(['job-1', 'job-2', 'job-3', 'job-x']);
      expect([...rows.keys()].sort()).toEqual(['job-1', 'job-2', 'job-3']);
      expect(rows.get('job-1')).toEqual(running);
      expect(rows.get('job-2')).toEqual(completed);
      expect(rows.get('job-3')).toEqual(failed);
    });

    it('given an undo job and an undoable adopt, when loaded, then undoOf, undoable and the adopt result come back', async () => {
      const undo = aJobRow('job-1', []);
      undo.action = 'undo';
      undo.undoOf = 'job-0';
      const adopt = aJobRow('job-2', [
        aStepCompleted('execute', { plan: anExecutionPlan() }),
        aRepoActionCompleted({
          changed: [],
          adopted: [{ branch: 'b', parent: 'main' }],
          skipped: [{ branch: 'old', reason: 'squash_merged' }],
        }),
      ]);
      expect(adopt.undoable).toBe(true);

      await save(
        new Map([
          ['job-1', undo],
          ['job-2', adopt],
        ]),
      );

      const rows = await load(['job-1', 'job-2']);
      expect(rows.get('job-1')).toEqual(undo);
      expect(rows.get('job-2')).toEqual(adopt);
    });

    it('given a row saved, when saved again changed, then the change replaces it', async () => {
      await save(new Map([['job-1', aJobRow('job-1', [])]]));
      const completed = aJobRow('job-1', [aRepoActionCompleted()]);

      await save(new Map([['job-1', completed]]));

      expect((await load(['job-1'])).get('job-1')).toEqual(completed);
    });

    it('given rows saved, when one is saved as null, then it is deleted and the others stay', async () => {
      await save(
        new Map([
          ['job-1', aJobRow('job-1', [])],
          ['job-2', aJobRow('job-2', [])],
        ]),
      );

      await save(new Map([['job-1', null]]));

      expect([...(await load(['job-1', 'job-2'])).keys()]).toEqual(['job-2']);
    });

    it('given more keys than one lookup takes, when loaded, then every row is found', async () => {
      const ids = Array.from({ length: 1200 }, (_, i) => `job-${i}`);
      await save(new Map(ids.map((id) => [id, aJobRow(id, [])])));

      const rows = await load(ids);

      expect(rows.size).toBe(ids.length);
    });
  });
}
