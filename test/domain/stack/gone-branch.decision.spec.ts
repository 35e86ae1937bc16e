import {
  type GoneFacts,
  goneReason,
} from '../../../src/domain/stack/gone-branch.decision';

const onRemote = (
  facts: Partial<Extract<GoneFacts, { onRemote: true }>> = {},
): GoneFacts => ({
  onRemote: true,
  headInTrunk: false,
  hasOwnCommits: true,
  ownChangesInTrunk: false,
  ...facts,
});

describe('goneReason', () => {
  describe('given a branch no longer on the remote', () => {
    it('then it is gone as deleted on the remote', () => {
      expect(goneReason({ onRemote: false })).toBe('deleted_on_remote');
    });
  });

  describe('given a branch whose head is in trunk', () => {
    describe('when it has commits of its own', () => {
      it('then it is gone as merged (merge commit)', () => {
        expect(goneReason(onRemote({ headInTrunk: true }))).toBe('merged');
      });
    });

    describe('when it has no commits of its own', () => {
      it('then it is gone as merged (fast-forward)', () => {
        expect(
          goneReason(onRemote({ headInTrunk: true, hasOwnCommits: false })),
        ).toBe('merged');
      });
    });
  });

  describe('given a branch whose head is not in trunk', () => {
    describe('when every change of its own commits is in trunk', () => {
      it('then it is gone as merged (squash or rebase)', () => {
        expect(goneReason(onRemote({ ownChangesInTrunk: true }))).toBe(
          'merged',
        );
      });
    });

    describe('when some change of its own commits is not in trunk', () => {
      it('then it is not gone', () => {
        expect(goneReason(onRemote())).toBeUndefined();
      });
    });

    describe('when it has no commits of its own', () => {
      it('then it is not gone, whatever the patch check said', () => {
        expect(
          goneReason(
            onRemote({ hasOwnCommits: false, ownChangesInTrunk: true }),
          ),
        ).toBeUndefined();
      });
    });
  });
});
