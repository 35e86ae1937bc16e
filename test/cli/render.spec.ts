import { colorsFor } from '../../src/cli/render/colors';
import { outcomeLines, stepLines } from '../../src/cli/render/job-text';
import { stackTreeLines } from '../../src/cli/render/repo-text';
import { viewOf } from '../../src/cli/job-view';
import { aJob, aRepo } from './cli-fakes';

const plain = colorsFor({ isTTY: false }, {}, true);

describe('what the CLI prints', () => {
  it('colours only a terminal, and never with NO_COLOR or --no-color', () => {
    const tty = { isTTY: true };
    expect(colorsFor(tty, {}, true).isColorSupported).toBe(true);
    expect(colorsFor(tty, {}, true).red('x')).not.toBe('x');
    expect(colorsFor({ isTTY: false }, {}, true).red('x')).toBe('x');
    expect(colorsFor(tty, { NO_COLOR: '1' }, true).red('x')).toBe('x');
    expect(colorsFor(tty, { NO_COLOR: '' }, true).red('x')).not.toBe('x');
    expect(colorsFor(tty, {}, false).red('x')).toBe('x');
    expect(
      colorsFor({ isTTY: false }, { FORCE_COLOR: '1' }, true).red('x'),
    ).not.toBe('x');
  });

  it('draws the stack as a tree from trunk, with restack marks and untracked branches', () => {
    const repo = aRepo({
      branches: [
        { name: 'a', parent: 'main', sha: 'a'.repeat(40), needsRestack: false },
        { name: 'b', parent: 'a', sha: 'b'.repeat(40), needsRestack: true },
        { name: 'c', parent: 'a', sha: null, needsRestack: false },
        { name: 'd', parent: 'main', sha: 'd'.repeat(40), needsRestack: false },
        { name: 'x', parent: 'gone', sha: 'e'.repeat(40), needsRestack: false },
      ],
      untrackedBranches: [{ name: 'wip', sha: 'f'.repeat(40) }],
    });
    expect(stackTreeLines(repo, plain)).toEqual([
      'demo  repo repo-1',
      'remote  file:///tmp/origin.git',
      '',
      'main  1111111',
      '├── a  aaaaaaa',
      '│   ├── b  bbbbbbb  needs restack',
      '│   └── c  (not fetched)',
      '└── d  ddddddd',
      'gone  (not tracked)',
      '└── x  eeeeeee',
      '',
      'untracked remote branches:',
      '  wip  fffffff',
    ]);
  });

  it('shows a running step with its message and done steps with their summary', () => {
    const view = viewOf(
      aJob({
        status: 'running',
        step: 'execute',
        attempt: 1,
        message: 'restacking b',
      }),
    );
    expect(
      stepLines({ ...view, summaries: { pre_sync: 'fetched' } }, plain),
    ).toEqual([
      '  ✓ pre_sync   fetched',
      '  ▸ execute    restacking b',
      '  ○ publish',
      '  ○ post_sync',
    ]);
  });

  it('ends with what moved, or the code and the conflict, or the cancel', () => {
    expect(
      outcomeLines(
        aJob({
          status: 'completed',
          message: 'restacked 1 branch(es)',
          result: {
            changed: [
              { branch: 'b', fromSha: '1'.repeat(40), toSha: '2'.repeat(40) },
            ],
            adopted: [{ branch: 'c', parent: 'b' }],
            skipped: [{ branch: 'old', reason: 'merged' }],
          },
        }),
        plain,
      ),
    ).toEqual([
      'completed: restacked 1 branch(es)',
      '  b  1111111 → 2222222',
      '  tracked c on b',
      '  left old untracked (merged)',
    ]);
    expect(
      outcomeLines(
        aJob({
          status: 'error',
          error: {
            code: 'GIT.CONFLICT',
            message: 'Restacking a conflicts in shared.txt',
            conflict: { branch: 'a', files: ['shared.txt'] },
          },
        }),
        plain,
      ),
    ).toEqual([
      'error GIT.CONFLICT: Restacking a conflicts in shared.txt',
      'conflict on branch a:',
      '  shared.txt',
    ]);
    expect(outcomeLines(aJob({ status: 'cancelled' }), plain)).toEqual([
      'cancelled: the job was cancelled',
    ]);
    expect(outcomeLines(aJob({ status: 'running' }), plain)).toEqual([]);
  });
});
