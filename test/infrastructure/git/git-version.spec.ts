import { gitVersionAtLeast } from '../../../src/infrastructure/git/git-cli-engine';

describe('gitVersionAtLeast', () => {
  it.each([
    ['git version 2.39.5', false],
    ['git version 2.40.0', true],
    ['git version 2.45.1.windows.1', true],
    ['git version 3.0.0', true],
    ['git version 1.99', false],
    ['unexpected', false],
  ])('%s has merge-tree --merge-base: %s', (output, expected) => {
    expect(gitVersionAtLeast(output, 2, 40)).toBe(expected);
  });
});
