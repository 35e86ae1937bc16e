import { execFileSync } from 'node:child_process';
import {
  assertBranchName,
  branchNameProblem,
} from '../../../src/domain/stack/branch-name';

const VALID = [
  'main',
  'feature/login',
  'user/ann/fix-42',
  'färg/ünïcode-名前',
  'a.b',
  'release-1.2',
  'x@y',
];
const INVALID = [
  '',
  '-rf',
  '--upload-pack=evil',
  'HEAD',
  '@',
  'a..b',
  'a b',
  'tab\there',
  'new\nline',
  'bell\u0007',
  'del\u007f',
  'tilde~1',
  'caret^',
  'colon:x',
  'what?',
  'star*',
  'bracket[',
  'back\\slash',
  'at@{1}',
  '/lead',
  'trail/',
  'double//slash',
  'dot.',
  '.hidden',
  'dir/.hidden',
  'file.lock',
  'dir.lock/x',
  'x'.repeat(201),
];

describe('branch names', () => {
  it.each(VALID)('accepts %j', (name) => {
    expect(branchNameProblem(name)).toBeUndefined();
  });

  it.each(INVALID)('refuses %j', (name) => {
    expect(branchNameProblem(name)).toEqual(expect.any(String));
    expect(() => assertBranchName(name)).toThrow(
      expect.objectContaining({
        code: 'BRANCH.INVALID_NAME',
        kind: 'validation',
      }) as Error,
    );
  });

  it('agrees with git check-ref-format --branch on every example', () => {
    const gitAccepts = (name: string) => {
      try {
        execFileSync('git', ['check-ref-format', '--branch', name], {
          stdio: 'pipe',
        });
        return true;
      } catch {
        return false;
      }
    };
    // We refuse a few names git's --branch mode lets through or reinterprets ("@" means the
    // current branch there, "HEAD" is ambiguous, length is ours); none the other way round.
    for (const name of VALID) expect(gitAccepts(name)).toBe(true);
    for (const name of INVALID.filter(
      (n) => !['x'.repeat(201), 'HEAD', '', '@'].includes(n),
    )) {
      expect([name, gitAccepts(name)]).toEqual([name, false]);
    }
  });
});
