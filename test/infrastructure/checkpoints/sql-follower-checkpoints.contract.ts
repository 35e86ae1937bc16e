import { SqlFollowerCheckpoints } from '../../../src/infrastructure/read-model-db/sql-follower-checkpoints';
import {
  openTestReadModels,
  type ReadModelEngine,
  type TestReadModels,
} from '../../support/read-model-engines';

/** The follower checkpoints kept in the read-model database, on one engine. */
export function sqlFollowerCheckpointsContract(engine: ReadModelEngine): void {
  describe(`follower checkpoints in the read-model database (${engine})`, () => {
    let readModels: TestReadModels;
    let checkpoints: SqlFollowerCheckpoints;

    beforeEach(async () => {
      readModels = await openTestReadModels(engine);
      checkpoints = new SqlFollowerCheckpoints(readModels.ds);
    });

    afterEach(async () => {
      await readModels.close();
    });

    const at = (position: number, state: unknown) => ({
      position,
      eventId: `event-${position}`,
      version: 1,
      state,
    });

    it('given none saved, then none is loaded', async () => {
      expect(await checkpoints.load('job-runner@1')).toBeUndefined();
    });

    it('given a checkpoint saved, then it loads as saved, its state as JSON', async () => {
      const state = { unfinished: ['a', 'b'], heads: [['r', [['main', 'x']]]] };
      await checkpoints.save('job-runner@1', at(2 ** 40, state));

      expect(await checkpoints.load('job-runner@1')).toEqual(
        at(2 ** 40, state),
      );
    });

    it('given a later checkpoint saved, then it replaces the earlier; an earlier one saved after it (another instance, behind) does not', async () => {
      await checkpoints.save('job-runner@1', at(10, { n: 10 }));
      await checkpoints.save('job-runner@1', at(20, { n: 20 }));
      await checkpoints.save('job-runner@1', at(15, { n: 15 }));
      await checkpoints.save('job-runner@1', at(20, { n: 'same position' }));

      expect(await checkpoints.load('job-runner@1')).toEqual(at(20, { n: 20 }));
    });

    it('given checkpoints of two followers, then each keeps its own', async () => {
      await checkpoints.save('job-runner@1', at(10, { n: 1 }));
      await checkpoints.save('task-attach@1', at(5, { n: 2 }));

      expect((await checkpoints.load('job-runner@1'))?.state).toEqual({ n: 1 });
      expect((await checkpoints.load('task-attach@1'))?.state).toEqual({
        n: 2,
      });
    });
  });
}
