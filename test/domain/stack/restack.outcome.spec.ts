import type { BranchReparented } from '../../../src/domain/events/repo.events';
import {
  type ReplayedStep,
  restackPlan,
  restackSummary,
} from '../../../src/domain/stack/restack.outcome';

const replayed = (
  branch: string,
  parent: string,
  oldHead: string,
  onto: string,
  head: string,
): ReplayedStep => ({
  step: { branch, parent, from: `${parent}-old`, oldHead },
  onto,
  head,
});

describe('restackPlan', () => {
  describe('given no replayed step', () => {
    it('then there is nothing to move or record', () => {
      expect(restackPlan([], 'job-1')).toEqual({
        moves: [],
        events: [],
        changed: [],
        summary: 'nothing to restack',
      });
    });
  });

  describe('given two branches whose replay produced new heads', () => {
    const plan = restackPlan(
      [
        replayed('a', 'main', 'a1', 'm2', 'a1*'),
        replayed('b', 'a', 'b1', 'a1*', 'b1*'),
      ],
      'job-1',
    );

    it('then each gets a ref move from its old head to its new one', () => {
      expect(plan.moves).toEqual([
        { branch: 'a', from: 'a1', to: 'a1*' },
        { branch: 'b', from: 'b1', to: 'b1*' },
      ]);
      expect(plan.changed).toEqual([
        { branch: 'a', fromSha: 'a1', toSha: 'a1*' },
        { branch: 'b', fromSha: 'b1', toSha: 'b1*' },
      ]);
    });

    it('then each is recorded as restacked onto the head it went onto', () => {
      expect(plan.events).toEqual([
        {
          type: 'BranchRestacked',
          data: {
            branch: 'a',
            baseSha: 'm2',
            fromSha: 'a1',
            toSha: 'a1*',
            jobId: 'job-1',
          },
        },
        {
          type: 'BranchRestacked',
          data: {
            branch: 'b',
            baseSha: 'a1*',
            fromSha: 'b1',
            toSha: 'b1*',
            jobId: 'job-1',
          },
        },
      ]);
      expect(plan.summary).toBe('restacked 2 branch(es)');
    });
  });

  describe('given a replay that kept the head as it was', () => {
    const plan = restackPlan([replayed('a', 'main', 'a1', 'm1', 'a1')], 'j');

    it('then no ref moves, but the new base is still recorded', () => {
      expect(plan.moves).toEqual([]);
      expect(plan.changed).toEqual([]);
      expect(plan.events).toEqual([
        {
          type: 'BranchRestacked',
          data: {
            branch: 'a',
            baseSha: 'm1',
            fromSha: 'a1',
            toSha: 'a1',
            jobId: 'j',
          },
        },
      ]);
    });
  });

  describe('given a branch found on its parent’s head already', () => {
    const plan = restackPlan(
      [],
      'j',
      [],
      [{ branch: 'a', base: 'm2', head: 'a1' }],
    );

    it('then its new base is recorded with its head unchanged', () => {
      expect(plan.events).toEqual([
        {
          type: 'BranchRestacked',
          data: {
            branch: 'a',
            baseSha: 'm2',
            fromSha: 'a1',
            toSha: 'a1',
            jobId: 'j',
          },
        },
      ]);
    });

    it('then nothing moves, nothing changed, and nothing counts as restacked', () => {
      expect(plan.moves).toEqual([]);
      expect(plan.changed).toEqual([]);
      expect(plan.summary).toBe('nothing to restack');
    });
  });

  describe('given replayed and settled branches after events decided before', () => {
    it('then the events come first, the replayed next, the settled last', () => {
      const reparented: BranchReparented = {
        type: 'BranchReparented',
        data: { branch: 'b', from: 'a', to: 'x' },
      };
      const plan = restackPlan(
        [replayed('b', 'x', 'b1', 'x1', 'b1*')],
        'j',
        [reparented],
        [{ branch: 'y', base: 'x1', head: 'y1' }],
      );
      expect(
        plan.events.map((e) =>
          e.type === 'BranchRestacked' ? e.data.branch : e.type,
        ),
      ).toEqual(['BranchReparented', 'b', 'y']);
      expect(plan.changed.map((c) => c.branch)).toEqual(['b']);
      expect(plan.summary).toBe('restacked 1 branch(es)');
    });
  });

  describe('given events decided before the restack', () => {
    it('then they come first', () => {
      const reparented: BranchReparented = {
        type: 'BranchReparented',
        data: { branch: 'b', from: 'a', to: 'x' },
      };
      const plan = restackPlan([replayed('b', 'x', 'b1', 'x1', 'b1*')], 'j', [
        reparented,
      ]);
      expect(plan.events.map((e) => e.type)).toEqual([
        'BranchReparented',
        'BranchRestacked',
      ]);
    });
  });
});

describe('restackSummary', () => {
  describe('given a count of restacked branches', () => {
    it('then zero reads as nothing to restack, more as a count', () => {
      expect(restackSummary(0)).toBe('nothing to restack');
      expect(restackSummary(3)).toBe('restacked 3 branch(es)');
    });
  });
});
