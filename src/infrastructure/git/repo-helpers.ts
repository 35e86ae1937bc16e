import { CatFileBatch } from './cat-file-batch';
import { GitHelperDiedError } from './git.errors';
import type { GitRunner } from './git-runner';
import { ObjectWriter } from './object-writer';

/**
 * A repository's long-running git helpers: the object reader and the commit and tree
 * writers, each started on first use. A helper found dead (killed, crashed) is replaced by a
 * new one on the next use; the request that was in flight when it died has already failed
 * with `GIT.HELPER_DIED`.
 */
export class RepoHelpers {
  private catFile: CatFileBatch | undefined;
  private commitWriter: ObjectWriter | undefined;
  private treeWriter: ObjectWriter | undefined;
  private closed = false;

  constructor(
    private readonly runner: GitRunner,
    private readonly gitDir: string,
    private readonly scratchDir: string,
  ) {}

  reader(): CatFileBatch {
    this.assertOpen('cat-file --batch');
    if (!this.catFile || this.catFile.dead) {
      this.retire(this.catFile);
      this.catFile = new CatFileBatch(this.runner, this.gitDir);
    }
    return this.catFile;
  }

  commits(): ObjectWriter {
    this.assertOpen('hash-object');
    if (!this.commitWriter || this.commitWriter.dead) {
      this.retire(this.commitWriter);
      this.commitWriter = this.newWriter('commit');
    }
    return this.commitWriter;
  }

  trees(): ObjectWriter {
    this.assertOpen('hash-object');
    if (!this.treeWriter || this.treeWriter.dead) {
      this.retire(this.treeWriter);
      this.treeWriter = this.newWriter('tree');
    }
    return this.treeWriter;
  }

  /** Resolves once every helper process is gone. */
  async close(): Promise<void> {
    this.closed = true;
    const helpers = [this.catFile, this.commitWriter, this.treeWriter];
    this.catFile = this.commitWriter = this.treeWriter = undefined;
    await Promise.all(helpers.map((h) => h?.close() ?? Promise.resolve()));
  }

  /** A use still running when its repository's helpers close must not start new ones. */
  private assertOpen(helper: string): void {
    if (this.closed) throw new GitHelperDiedError(helper, 'closed');
  }

  private newWriter(type: 'commit' | 'tree'): ObjectWriter {
    return new ObjectWriter(this.runner, this.gitDir, type, this.scratchDir);
  }

  /** A dead helper's process may not have been reaped yet: closing it makes sure it ends. */
  private retire(helper: CatFileBatch | ObjectWriter | undefined): void {
    if (helper) void helper.close();
  }
}
