import { loggedPath } from '../../../src/infrastructure/http/access-log';

describe('the path an access line quotes', () => {
  it.each([
    ['/repos', '/repos'],
    ['/repos/abc/history', '/repos/abc/history'],
    ['/events?access_token=s3cr3t', '/events?access_token=…'],
    [
      '/repos/abc/history?limit=5&cursor=xyz',
      '/repos/abc/history?limit=…&cursor=…',
    ],
    ['/events?flag', '/events?flag=…'],
    ['/events?', '/events'],
    ['/events?&a=1&&b', '/events?a=…&b=…'],
  ])('of %j is %j', (url, logged) => {
    expect(loggedPath(url)).toBe(logged);
  });

  it('is cut after 1,024 characters', () => {
    const logged = loggedPath(`/${'a'.repeat(5000)}`);
    expect(logged).toHaveLength(1025);
    expect(logged.endsWith('…')).toBe(true);
  });
});
