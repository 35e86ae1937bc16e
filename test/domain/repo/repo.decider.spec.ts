import {
  evolveRepo,
  MAX_REPO_NAME_LENGTH,
  repoDecider,
} from '../../../src/domain/repo/repo.decider';
import {
  aBranchReparented,
  aBranchRestacked,
  aBranchTracked,
  aBranchUntracked,
  aRegisterRepo,
  aRepoBranchesObserved,
  aRepoRegistered,
} from '../../builders/repo.builders';
import {
  aRepoAutoRestackSet,
  aRepoWebhookSecretRemoved,
  aRepoWebhookSecretSet,
} from '../../builders/hook.builders';
import { deciderSpec } from '../../support/decider-spec';

const { given } = deciderSpec(repoDecider);

describe('repo decider', () => {
  describe('RegisterRepo', () => {
    it('given no repo, when registered, then the registration is recorded', () => {
      given([])
        .when(aRegisterRepo({ name: 'app', trunk: 'develop' }))
        .then([aRepoRegistered({ name: 'app', trunk: 'develop' })]);
    });

    it.each([
      ['a name of one character', 'a'],
      ['a name of the longest length', 'n'.repeat(MAX_REPO_NAME_LENGTH)],
      ['a name with inner spaces and unicode', 'my app – ünïcode'],
    ])(
      'given no repo, when registered with %s, then it is accepted',
      (_, name) => {
        given([])
          .when(aRegisterRepo({ name }))
          .then([aRepoRegistered({ name })]);
      },
    );

    it.each([
      ['empty', ''],
      ['blank', '   '],
      ['with a leading space', ' app'],
      ['with a trailing space', 'app '],
      ['too long', 'n'.repeat(MAX_REPO_NAME_LENGTH + 1)],
      ['with a newline', 'my\napp'],
      ['with a control character', 'app\u0007'],
      ['with DEL', 'app\u007f'],
    ])('given no repo, when the name is %s, then it is refused', (_, name) => {
      given([]).when(aRegisterRepo({ name })).then('REPO.INVALID_NAME');
    });

    it.each([
      ['plain http', 'http://example.com/acme/demo.git'],
      ['a transport helper', 'ext::sh -c id'],
      ['a relative path', 'acme/demo'],
      ['credentials', 'https://user:secret@example.com/acme/demo.git'],
    ])(
      'given no repo, when the remote URL uses %s, then it is refused',
      (_, remoteUrl) => {
        given([])
          .when(aRegisterRepo({ remoteUrl }))
          .then('REPO.INVALID_REMOTE_URL', { field: 'remoteUrl' });
      },
    );

    it.each([
      ['an absolute path', '/srv/git/demo.git'],
      ['scp-like ssh', 'git@example.com:acme/demo.git'],
      ['ssh', 'ssh://git@example.com/acme/demo.git'],
      ['file', 'file:///srv/git/demo.git'],
    ])(
      'given no repo, when the remote URL is %s, then it is accepted',
      (_, remoteUrl) => {
        given([])
          .when(aRegisterRepo({ remoteUrl }))
          .then([aRepoRegistered({ remoteUrl })]);
      },
    );

    it.each([
      ['empty', ''],
      ['with a space', 'my trunk'],
      ['with ..', 'a..b'],
      ['HEAD', 'HEAD'],
      ['starting with -', '-main'],
    ])(
      'given no repo, when the trunk is %s, then it is refused',
      (_, trunk) => {
        given([])
          .when(aRegisterRepo({ trunk }))
          .then('BRANCH.INVALID_NAME', { field: 'trunk' });
      },
    );

    it('given the repo registered, when registered again, then it is already registered', () => {
      given([aRepoRegistered({ repoId: 'repo-1' })])
        .when(aRegisterRepo({ repoId: 'repo-1' }))
        .then('REPO.ALREADY_REGISTERED', { repoId: 'repo-1' });
    });

    it('given the repo registered, when registered again with another URL, then it is already registered', () => {
      given([aRepoRegistered(), aBranchTracked()])
        .when(aRegisterRepo({ remoteUrl: '/srv/git/other.git' }))
        .then('REPO.ALREADY_REGISTERED');
    });

    it('given the repo registered, when registered again with an invalid name, then the name is refused first', () => {
      given([aRepoRegistered()])
        .when(aRegisterRepo({ name: '' }))
        .then('REPO.INVALID_NAME');
    });
  });

  describe('the repo state', () => {
    it('given no events, then nothing is registered and the stack is empty', () => {
      const state = given([]).state();
      expect(state.registered).toBeUndefined();
      expect([...state.stack.branches]).toEqual([]);
    });

    it('given a registration, then the state holds it and the stack has its trunk', () => {
      const registered = aRepoRegistered({ trunk: 'develop' });
      const state = given([registered]).state();
      expect(state.registered).toEqual(registered.data);
      expect(state.stack.trunk).toBe('develop');
    });

    it('given branch events, then the stack follows them', () => {
      const state = given([
        aRepoRegistered(),
        aBranchTracked({ branch: 'feature-a', parent: 'main' }),
        aBranchTracked({ branch: 'feature-b', parent: 'feature-a' }),
        aBranchTracked({ branch: 'feature-c', parent: 'feature-b' }),
        aBranchReparented({
          branch: 'feature-b',
          from: 'feature-a',
          to: 'main',
        }),
        aBranchRestacked({ branch: 'feature-b', baseSha: '9'.repeat(40) }),
        aBranchUntracked({ branch: 'feature-a' }),
      ]).state();
      expect(
        [...state.stack.branches.values()].map((b) => [
          b.name,
          b.parent,
          b.baseSha,
        ]),
      ).toEqual([
        ['feature-b', 'main', '9'.repeat(40)],
        ['feature-c', 'feature-b', aBranchTracked().data.baseSha],
      ]);
    });

    it('given an observation, then the state is the same object (nothing in it changed)', () => {
      const state = given([aRepoRegistered(), aBranchTracked()]).state();
      expect(evolveRepo(state, aRepoBranchesObserved())).toBe(state);
    });
  });
  describe('webhook secret and autoRestack', () => {
    const ids = { orgId: 'org-1', repoId: 'repo-1' };

    it('given no repo, when registered with a sealed secret, then the secret is recorded with the registration', () => {
      given([])
        .when({
          type: 'RegisterRepo',
          data: { ...aRepoRegistered().data, sealedSecret: 'sealed-1' },
        })
        .then([
          aRepoRegistered(),
          aRepoWebhookSecretSet({ sealedSecret: 'sealed-1' }),
        ]);
    });

    it('given a repo, when its secret is set, replaced and removed, then each is recorded; removing none records nothing', () => {
      given([aRepoRegistered()])
        .when({ type: 'SetWebhookSecret', data: { ...ids, sealedSecret: 's' } })
        .then([aRepoWebhookSecretSet({ sealedSecret: 's' })]);
      given([aRepoRegistered(), aRepoWebhookSecretSet()])
        .when({
          type: 'SetWebhookSecret',
          data: { ...ids, sealedSecret: undefined },
        })
        .then([aRepoWebhookSecretRemoved()]);
      given([aRepoRegistered()])
        .when({
          type: 'SetWebhookSecret',
          data: { ...ids, sealedSecret: undefined },
        })
        .then([]);
    });

    it('given a repo, when autoRestack is set, then it is recorded once; the same value again records nothing', () => {
      given([aRepoRegistered()])
        .when({ type: 'SetAutoRestack', data: { ...ids, autoRestack: true } })
        .then([aRepoAutoRestackSet({ autoRestack: true })]);
      given([aRepoRegistered(), aRepoAutoRestackSet({ autoRestack: true })])
        .when({ type: 'SetAutoRestack', data: { ...ids, autoRestack: true } })
        .then([]);
      given([aRepoRegistered()])
        .when({ type: 'SetAutoRestack', data: { ...ids, autoRestack: false } })
        .then([]);
    });

    it("given another org's repo or none, when its settings are set, then it is not found", () => {
      given([aRepoRegistered()])
        .when({
          type: 'SetAutoRestack',
          data: { orgId: 'org-2', repoId: 'repo-1', autoRestack: true },
        })
        .then('REPO.NOT_FOUND');
      given([])
        .when({ type: 'SetWebhookSecret', data: { ...ids, sealedSecret: 's' } })
        .then('REPO.NOT_FOUND');
    });

    it('given restacks, then the state keeps what Stackyard last published per branch, until untracked', () => {
      const state = [
        aRepoRegistered(),
        aBranchTracked({ branch: 'feature-a' }),
        aBranchRestacked({ branch: 'feature-a', toSha: 'x'.repeat(40) }),
        aBranchRestacked({ branch: 'feature-a', toSha: 'y'.repeat(40) }),
      ].reduce(evolveRepo, repoDecider.initialState());
      expect(state.publishedHeads.get('feature-a')).toBe('y'.repeat(40));
      expect(
        evolveRepo(state, aBranchUntracked({ branch: 'feature-a' }))
          .publishedHeads.size,
      ).toBe(0);
    });
  });
});
