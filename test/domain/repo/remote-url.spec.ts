import {
  assertRemoteUrl,
  redactCredentials,
  remoteUrlProblem,
} from '../../../src/domain/repo/remote-url';

describe('remote URLs', () => {
  it.each([
    'https://github.com/acme/app.git',
    'ssh://git@github.com/acme/app.git',
    'git://example.com/app.git',
    'file:///srv/git/app.git',
    'git@github.com:acme/app.git',
    '/srv/git/app.git',
  ])('accepts %s', (url) => expect(remoteUrlProblem(url)).toBeUndefined());

  it.each([
    ['ext::sh -c touch% /tmp/x', /transport helper|spaces/],
    ['ext::sh', /transport helper/],
    ['fd::17', /transport helper/],
    ['http://example.com/app.git', /protocol http/],
    ['ftp://example.com/app.git', /protocol ftp/],
    ['--upload-pack=touch /tmp/x', /spaces|start with/],
    ['-oProxyCommand=x', /start with "-"/],
    ['relative/path', /neither/],
    ['https://example.com/a\nb', /control/],
    ['', /non-empty/],
    ['https://ann:s3cr3t@example.com/app.git', /credentials/],
    ['https://ghp_token@example.com/app.git', /credentials/],
    ['ssh://git:pw@example.com/app.git', /credentials/],
  ])('refuses %j', (url, why) => {
    expect(remoteUrlProblem(url)).toMatch(why);
    expect(() => assertRemoteUrl(url)).toThrow(
      expect.objectContaining({ code: 'REPO.INVALID_REMOTE_URL' }) as Error,
    );
  });

  it('removes credentials from any text', () => {
    expect(
      redactCredentials(
        "fatal: unable to access 'https://ann:s3cr3t@host/x.git/' and ssh://tok@h/y",
      ),
    ).toBe(
      "fatal: unable to access 'https://***@host/x.git/' and ssh://***@h/y",
    );
  });
});
