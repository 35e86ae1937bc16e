import {
  isSameRepository,
  repositoryKey,
} from '../../../src/domain/repo/same-repository';

describe('the repository a URL names', () => {
  it.each([
    ['https://github.com/Acme/Demo.git', 'github.com/acme/demo'],
    ['https://github.com/acme/demo', 'github.com/acme/demo'],
    ['https://github.com/acme/demo/', 'github.com/acme/demo'],
    ['ssh://git@github.com:22/acme/demo.git', 'github.com/acme/demo'],
    ['git@github.com:acme/demo.git', 'github.com/acme/demo'],
    ['git://github.com/acme/demo.git', 'github.com/acme/demo'],
    ['/srv/Repos/demo.git', 'file:/srv/Repos/demo'],
    ['file:///srv/Repos/demo.git', 'file:/srv/Repos/demo'],
    ['not a url', undefined],
  ])('%s names %s', (url, key) => {
    expect(repositoryKey(url)).toBe(key);
  });

  it('given a payload naming the remote in any of its URLs, then it is the same repository; else not', () => {
    const remote = 'git@github.com:acme/demo.git';
    expect(
      isSameRepository(remote, [
        'https://github.com/acme/other.git',
        'https://github.com/acme/demo',
      ]),
    ).toBe(true);
    expect(isSameRepository(remote, ['https://github.com/acme/other'])).toBe(
      false,
    );
    expect(isSameRepository(remote, ['https://gitlab.com/acme/demo'])).toBe(
      false,
    );
    expect(isSameRepository(remote, [])).toBe(false);
    expect(isSameRepository('/srv/demo.git', ['/srv/Demo.git'])).toBe(false);
  });
});
