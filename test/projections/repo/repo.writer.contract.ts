import { repoWriter } from '../../../src/projections/repo/repo.writer';
import type { RepoRow } from '../../../src/read-models/repo/repo.row';
import { aRepoBranchRow, aRepoRow, sha } from '../../builders/repo.builders';
import {
  openTestReadModels,
  type ReadModelEngine,
  type TestReadModels,
} from '../../support/read-model-engines';

/** The repo writer's behaviour on read models of `engine`. */
export function repoWriterContract(engine: ReadModelEngine): void {
  describe(`repo writer on ${engine}`, () => {
    let db: TestReadModels;

    beforeEach(async () => {
      db = await openTestReadModels(engine);
    });

    afterEach(async () => {
      await db.close();
    });

    const save = (changes: ReadonlyMap<string, RepoRow | null>) =>
      db.ds.transaction((tx) => repoWriter.save(tx, changes));
    const load = (keys: readonly string[]) =>
      db.ds.transaction((tx) => repoWriter.load(tx, keys));

    it('given a repo with its stack saved, when loaded, then it comes back as it was', async () => {
      const row = aRepoRow({
        trunkSha: sha('1'),
        lastJobId: 'job-2',
        branches: [
          aRepoBranchRow({ name: 'a', lastJobId: 'job-1' }),
          aRepoBranchRow({ name: 'b', parent: 'a', sha: null }),
        ],
        remoteBranches: [
          { name: 'a', sha: sha('a'), remoteSha: null },
          { name: 'main', sha: sha('1'), remoteSha: sha('1') },
        ],
        tasks: { a: 'task-1' },
        position: 9,
      });

      await save(new Map([[row.repoId, row]]));

      expect((await load([row.repoId, 'repo-x'])).get(row.repoId)).toEqual(row);
      expect((await load(['repo-x'])).size).toBe(0);
    });

    it('given a repo saved, when saved again changed, then the change replaces it', async () => {
      await save(new Map([['repo-1', aRepoRow()]]));
      const changed = aRepoRow({
        branches: [aRepoBranchRow()],
        tasks: { 'feature-a': 'task-1' },
        position: 2,
      });

      await save(new Map([['repo-1', changed]]));

      expect((await load(['repo-1'])).get('repo-1')).toEqual(changed);
    });

    it('given repos saved, when one is saved as null, then it is deleted and the other stays', async () => {
      await save(
        new Map([
          ['repo-1', aRepoRow()],
          ['repo-2', aRepoRow({ repoId: 'repo-2', name: 'other' })],
        ]),
      );

      await save(new Map([['repo-1', null]]));

      expect([...(await load(['repo-1', 'repo-2'])).keys()]).toEqual([
        'repo-2',
      ]);
    });
  });
}
