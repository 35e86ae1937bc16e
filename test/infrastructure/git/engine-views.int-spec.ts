import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitCliEngine } from '../../../src/infrastructure/git/git-cli-engine';
import { GitRunner } from '../../../src/infrastructure/git/git-runner';

/** What a view of the engine is asked through its private probe of git's version. */
type VersionProbe = { hasMergeBaseOption(): Promise<boolean> };

describe("the git engine's views for job steps", () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stackyard-engine-views-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("answers what every step shares without any step's signal: one step's abort fails no other", async () => {
    // A git whose `version` answers only once the gate file exists, so that both steps
    // wait on the one shared question while the first is aborted.
    const gate = join(dir, 'gate');
    const bin = join(dir, 'git');
    writeFileSync(
      bin,
      `#!/bin/sh\nfor a in "$@"; do [ "$a" = version ] && while [ ! -f '${gate}' ]; do sleep 0.02; done; done\nexec git "$@"\n`,
    );
    chmodSync(bin, 0o755);
    const engine = new GitCliEngine(join(dir, 'repos'), new GitRunner(bin));
    try {
      const a = new AbortController();
      const b = new AbortController();
      const first = engine.aborting(a.signal) as unknown as VersionProbe;
      const second = engine.aborting(b.signal) as unknown as VersionProbe;
      const asked = [first.hasMergeBaseOption(), second.hasMergeBaseOption()];
      a.abort(new Error('step A timed out'));
      writeFileSync(gate, '');
      const [forA, forB] = await Promise.all(asked);
      expect(typeof forB).toBe('boolean');
      expect(forA).toBe(forB);
      expect(b.signal.aborted).toBe(false);
    } finally {
      await engine.close();
    }
  });
});
