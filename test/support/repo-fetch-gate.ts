import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A git whose `fetch` in one repo's clone waits while that repo is held: `GatedGit` holds
 * every fetch until one gate opens, but catching a job first `queued` behind another repo's
 * job and then `running` takes two holds released one after the other. Holds are files, so
 * a hold placed before a job runs always catches it.
 */
export class RepoFetchGate {
  readonly bin: string;

  constructor(private readonly dir: string) {
    this.bin = join(dir, 'repo-gated-git');
    writeFileSync(
      this.bin,
      `#!/bin/sh
repo=""
fetch=""
for a in "$@"; do
  case "$a" in
    --git-dir=*) repo=$(basename "\${a#--git-dir=}" .git) ;;
    fetch) fetch=1 ;;
  esac
done
if [ -n "$fetch" ] && [ -n "$repo" ]; then
  # Waits while held, or gives up when the test's folder is gone.
  while [ -e "${dir}/hold-$repo" ] && [ -e "${this.bin}" ]; do sleep 0.02; done
fi
exec git "$@"
`,
    );
    chmodSync(this.bin, 0o755);
  }

  /** From now on, fetches in `repoId`'s clone wait. */
  hold(repoId: string): void {
    writeFileSync(join(this.dir, `hold-${repoId}`), '');
  }

  /** Lets `repoId`'s waiting and later fetches run. */
  release(repoId: string): void {
    rmSync(join(this.dir, `hold-${repoId}`), { force: true });
  }
}
