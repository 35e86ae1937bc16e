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
    ['https://example.com/app.git?token=s3cr3t', /query .* or fragment/],
    ['https://example.com/app.git?', /query .* or fragment/],
    ['https://example.com/app.git#access_token=s3cr3t', /query .* or fragment/],
    ['https://example.com/app.git#', /query .* or fragment/],
    ['ssh://git@example.com/app.git?key=s3cr3t', /query .* or fragment/],
    ['git://example.com/app.git?token=s3cr3t', /query .* or fragment/],
    ['file:///srv/git/app.git?token=s3cr3t', /query .* or fragment/],
    ['git@github.com:acme/app.git?token=s3cr3t', /query .* or fragment/],
    ['/srv/git/app.git#s3cr3t', /query .* or fragment/],
    ['https://example.com?token=s3cr3t@x/app.git', /credentials|query/],
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

  it('removes the query and fragment of any URL in a text (repos registered before the rule)', () => {
    expect(
      redactCredentials(
        "fatal: unable to access 'https://ann:pw@host/x.git?token=s3cr3t/': failed; see git://h/y#tok and https://h/z.git",
      ),
    ).toBe(
      "fatal: unable to access 'https://***@host/x.git?***': failed; see git://h/y#*** and https://h/z.git",
    );
  });
});
