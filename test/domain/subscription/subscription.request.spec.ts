import { DomainError } from '../../../src/domain/domain-error';
import { isDeliverable } from '../../../src/domain/subscription/deliverable';
import { validateSubscriptionRequest } from '../../../src/domain/subscription/subscription.request';
import { checkWebhookUrl } from '../../../src/domain/subscription/webhook-url';

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
};

describe('webhook URLs', () => {
  const allowed = [
    'hooks.example.com',
    '*.example.org',
    '10.0.0.5:8443',
    '[::1]',
  ];

  it.each([
    'https://hooks.example.com/stackyard',
    'http://hooks.example.com/x/team-a',
    'http://hooks.example.com:443/',
    'https://a.example.org/',
    'https://deep.a.example.org/',
    'https://10.0.0.5:8443/',
    'http://[::1]/',
    'https://HOOKS.Example.com/',
    // The listed address in another spelling: the same address.
    'http://167772165:8443/',
  ])('takes %s', (url) => {
    expect(codeOf(() => checkWebhookUrl(url, allowed))).toBeUndefined();
  });

  it.each([
    ['https://example.org/', 'SUBSCRIPTION.HOST_NOT_ALLOWED'],
    ['https://evil-example.org/', 'SUBSCRIPTION.HOST_NOT_ALLOWED'],
    ['https://hooks.example.com.evil.net/', 'SUBSCRIPTION.HOST_NOT_ALLOWED'],
    ['https://10.0.0.5/', 'SUBSCRIPTION.HOST_NOT_ALLOWED'],
    ['https://10.0.0.5:8444/', 'SUBSCRIPTION.HOST_NOT_ALLOWED'],
    // An entry without a port allows 80 and 443 only.
    ['http://hooks.example.com:9000/', 'SUBSCRIPTION.HOST_NOT_ALLOWED'],
    ['http://[::1]:3000/', 'SUBSCRIPTION.HOST_NOT_ALLOWED'],
    ['https://a.example.org:8080/', 'SUBSCRIPTION.HOST_NOT_ALLOWED'],
    ['ftp://hooks.example.com/', 'SUBSCRIPTION.INVALID_URL'],
    ['file:///etc/passwd', 'SUBSCRIPTION.INVALID_URL'],
    ['https://user:pw@hooks.example.com/', 'SUBSCRIPTION.INVALID_URL'],
    ['https://token@hooks.example.com/', 'SUBSCRIPTION.INVALID_URL'],
    ['https://hooks.example.com/#frag', 'SUBSCRIPTION.INVALID_URL'],
    ['https://hooks.example.com/x?token=abc', 'SUBSCRIPTION.INVALID_URL'],
    ['https://hooks.example.com/x?', 'SUBSCRIPTION.INVALID_URL'],
    ['/relative', 'SUBSCRIPTION.INVALID_URL'],
  ])('refuses %s', (url, code) => {
    expect(codeOf(() => checkWebhookUrl(url, allowed))).toBe(code);
  });

  it('allows nothing with an empty allow-list', () => {
    expect(
      codeOf(() => checkWebhookUrl('https://hooks.example.com/', [])),
    ).toBe('SUBSCRIPTION.HOST_NOT_ALLOWED');
  });

  it('compares hosts in their canonical form, so another spelling of an address is that address', () => {
    expect(
      codeOf(() => checkWebhookUrl('http://0x7f.1/', ['127.0.0.1:80'])),
    ).toBeUndefined();
    expect(codeOf(() => checkWebhookUrl('http://0x7f.1/', ['10.0.0.1']))).toBe(
      'SUBSCRIPTION.HOST_NOT_ALLOWED',
    );
  });
});

describe('subscription requests', () => {
  const hosts = ['hooks.example.com'];
  const url = 'https://hooks.example.com/x';

  it('takes catalogue event types, without repeats, and a secret of 16 to 256 visible characters', () => {
    expect(
      validateSubscriptionRequest(
        {
          url,
          eventTypes: ['RepoRegistered', 'RepoRegistered', 'RepoActionFailed'],
          secret: 'x'.repeat(16),
        },
        hosts,
      ),
    ).toEqual({
      url,
      repoId: null,
      eventTypes: ['RepoRegistered', 'RepoActionFailed'],
      secret: 'x'.repeat(16),
    });
  });

  it.each([
    [{ eventTypes: [] }, 'SUBSCRIPTION.INVALID_EVENT_TYPE'],
    [{ eventTypes: ['Nope'] }, 'SUBSCRIPTION.INVALID_EVENT_TYPE'],
    [
      { eventTypes: ['SubscriptionCreated'] },
      'SUBSCRIPTION.INVALID_EVENT_TYPE',
    ],
    [{ secret: 'x'.repeat(15) }, 'SUBSCRIPTION.INVALID_SECRET'],
    [{ secret: 'x'.repeat(257) }, 'SUBSCRIPTION.INVALID_SECRET'],
    [{ secret: `${'x'.repeat(16)} ` }, 'SUBSCRIPTION.INVALID_SECRET'],
    [{ secret: `${'x'.repeat(16)}é` }, 'SUBSCRIPTION.INVALID_SECRET'],
  ])('refuses %j', (extra, code) => {
    expect(
      codeOf(() => validateSubscriptionRequest({ url, ...extra }, hosts)),
    ).toBe(code);
  });
});

describe('what a subscription gets', () => {
  const filter = { orgId: 'org-1', repoId: null, eventTypes: null };
  const event = (streamId: string, type: string, metadata: object) => ({
    streamId,
    type,
    metadata,
  });

  it("gets its org's events, never another org's or one without an org", () => {
    expect(
      isDeliverable(
        event('repo-r', 'RepoRegistered', { orgId: 'org-1' }),
        filter,
      ),
    ).toBe(true);
    expect(
      isDeliverable(
        event('repo-r', 'RepoRegistered', { orgId: 'org-2' }),
        filter,
      ),
    ).toBe(false);
    expect(isDeliverable(event('repo-r', 'RepoRegistered', {}), filter)).toBe(
      false,
    );
  });

  it('never gets a subscription event, nor a type this build does not know', () => {
    expect(
      isDeliverable(
        event('subscription-s', 'SubscriptionPaused', { orgId: 'org-1' }),
        filter,
      ),
    ).toBe(false);
    expect(
      isDeliverable(
        event('repo-r', 'FromTheFuture', { orgId: 'org-1' }),
        filter,
      ),
    ).toBe(false);
  });

  it('is narrowed by repo and by type', () => {
    const e = event('repo-action-j', 'RepoActionRequested', {
      orgId: 'org-1',
      repoId: 'r1',
    });
    expect(isDeliverable(e, { ...filter, repoId: 'r1' })).toBe(true);
    expect(isDeliverable(e, { ...filter, repoId: 'r2' })).toBe(false);
    expect(
      isDeliverable(e, { ...filter, eventTypes: ['RepoActionRequested'] }),
    ).toBe(true);
    expect(
      isDeliverable(e, { ...filter, eventTypes: ['RepoRegistered'] }),
    ).toBe(false);
  });
});
