import { taskStream } from '../../../src/domain/streams';
import { foldRow } from '../../../src/projections/projection';
import { taskProjection } from '../../../src/projections/task/task.projection';
import { taskWriter } from '../../../src/projections/task/task.writer';
import type { TaskEvent } from '../../../src/domain/events/task.events';
import type { TaskRow } from '../../../src/read-models/task/task.row';
import { aRecordedHistory } from '../../builders/recorded.builders';
import {
  aTaskBranchAttached,
  aTaskBranchAttachFailed,
  aTaskBranchAttachRequested,
  aTaskCreated,
} from '../../builders/task.builders';
import {
  openTestReadModels,
  type ReadModelEngine,
  type TestReadModels,
} from '../../support/read-model-engines';

/** The row the projection folds from a task's events. */
const aTaskRow = (taskId: string, events: readonly TaskEvent[]): TaskRow =>
  foldRow(
    taskProjection,
    aRecordedHistory().append(
      taskStream(taskId),
      [aTaskCreated({ taskId, branchName: `branch-of-${taskId}` }), ...events],
      { orgId: 'org-1', repoId: 'repo-1' },
    ),
  )!;

/** The task writer's behaviour on read models of `engine`. */
export function taskWriterContract(engine: ReadModelEngine): void {
  describe(`task writer on ${engine}`, () => {
    let db: TestReadModels;

    beforeEach(async () => {
      db = await openTestReadModels(engine);
    });

    afterEach(async () => {
      await db.close();
    });

    const save = (changes: ReadonlyMap<string, TaskRow | null>) =>
      db.ds.transaction((tx) => taskWriter.save(tx, changes));
    const load = (keys: readonly string[]) =>
      db.ds.transaction((tx) => taskWriter.load(tx, keys));

    it('given tasks saved, when loaded by key, then each comes back as it was', async () => {
      const pending = aTaskRow('task-1', [aTaskBranchAttachRequested()]);
      const ready = aTaskRow('task-2', [aTaskBranchAttached()]);
      const failed = aTaskRow('task-3', [
        aTaskBranchAttachRequested(),
        aTaskBranchAttachFailed('GIT.UNKNOWN_BRANCH', 'gone'),
      ]);

      await save(
        new Map([
          ['task-1', pending],
          ['task-2', ready],
          ['task-3', failed],
        ]),
      );

      const rows = await load(['task-1', 'task-2', 'task-3', 'task-x']);
      expect(rows.size).toBe(3);
      expect(rows.get('task-1')).toEqual(pending);
      expect(rows.get('task-2')).toEqual(ready);
      expect(rows.get('task-3')).toEqual(failed);
    });

    it('given a task saved, when saved again changed, then the change replaces it', async () => {
      await save(new Map([['task-1', aTaskRow('task-1', [])]]));
      const failed = aTaskRow('task-1', [aTaskBranchAttachFailed()]);

      await save(new Map([['task-1', failed]]));

      expect((await load(['task-1'])).get('task-1')).toEqual(failed);
    });

    it('given tasks saved, when one is saved as null, then it is deleted and the other stays', async () => {
      await save(
        new Map([
          ['task-1', aTaskRow('task-1', [])],
          ['task-2', aTaskRow('task-2', [])],
        ]),
      );

      await save(new Map([['task-1', null]]));

      expect([...(await load(['task-1', 'task-2'])).keys()]).toEqual([
        'task-2',
      ]);
    });
  });
}
