import type { RefMove } from '../../../src/domain/events/job.events';
import type { RepoEvent } from '../../../src/domain/events/repo.events';
import { DomainError } from '../../../src/domain/domain-error';
import { evolveStack } from '../../../src/domain/stack/stack.evolve';
import {
  jobChangedSomething,
  type JobEffect,
  planUndo,
} from '../../../src/domain/stack/undo.decision';
import { aStack } from '../../builders/stack.builders';

const sha = (c: string) => c.repeat(40);

/** A restack of a on main: a moved from 1… to 2…, based on main's new head m2. */
const restackOfA = (): JobEffect => ({
  jobId: 'job-1',
  before: aStack({ a: 'main', b: 'a' }),
  plan: {
    moves: [
      { branch: 'a', from: sha('1'), to: sha('2') },
      { branch: 'b', from: sha('3'), to: sha('4') },
    ],
    events: [
      restacked('a', 'main-head', sha('1'), sha('2')),
      restacked('b', sha('2'), sha('3'), sha('4')),
    ],
  },
});

function restacked(
  branch: string,
  baseSha: string,
  fromSha: string,
  toSha: string,
): RepoEvent {
  return {
    type: 'BranchRestacked',
    data: { branch, baseSha, fromSha, toSha, jobId: 'job-1' },
  };
}

const after = (effect: JobEffect) =>
  effect.plan.events.reduce(evolveStack, effect.before);

const remoteOf = (moves: readonly RefMove[]) =>
  new Map(moves.map((m) => [m.branch, m.to!]));

function refusal(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('planUndo', () => {
  it('moves every branch back, leased on the sha the job left, and gives back the bases', () => {
    const effect = restackOfA();
    const plan = planUndo(
      'undo-1',
      effect,
      after(effect),
      remoteOf(effect.plan.moves),
    );
    expect(plan.moves).toEqual([
      { branch: 'a', from: sha('2'), to: sha('1') },
      { branch: 'b', from: sha('4'), to: sha('3') },
    ]);
    expect(plan.changed).toEqual([
      { branch: 'a', fromSha: sha('2'), toSha: sha('1') },
      { branch: 'b', fromSha: sha('4'), toSha: sha('3') },
    ]);
    const undone = plan.events.reduce(evolveStack, after(effect));
    expect(undone.branches).toEqual(effect.before.branches);
    expect(plan.events.map((e) => e.type)).toEqual([
      'BranchRestacked',
      'BranchRestacked',
    ]);
    expect(plan.events[0]!.data).toMatchObject({
      branch: 'a',
      fromSha: sha('2'),
      toSha: sha('1'),
      jobId: 'undo-1',
    });
  });

  it('refuses, naming the branch, when someone pushed to one of them since', () => {
    const effect = restackOfA();
    const remote = remoteOf(effect.plan.moves);
    remote.set('b', sha('9'));
    const error = refusal(() =>
      planUndo('undo-1', effect, after(effect), remote),
    );
    expect(error.code).toBe('UNDO.BRANCHES_MOVED');
    expect(error.details).toMatchObject({ branches: ['b'] });
    expect(error.message).toContain('b');
  });

  it('refuses when a later job changed the tracking of a branch it touched', () => {
    const effect = restackOfA();
    const later = evolveStack(after(effect), {
      type: 'BranchReparented',
      data: { branch: 'b', from: 'a', to: 'main' },
    });
    const error = refusal(() =>
      planUndo('undo-1', effect, later, remoteOf(effect.plan.moves)),
    );
    expect(error.details).toMatchObject({ branches: ['b'] });
  });

  it('says so when the job was undone already', () => {
    const effect = restackOfA();
    const back = new Map(effect.plan.moves.map((m) => [m.branch, m.from!]));
    const error = refusal(() =>
      planUndo('undo-2', effect, effect.before, back),
    );
    expect(error.code).toBe('UNDO.ALREADY_UNDONE');
  });

  it('re-tracks what a sync untracked and reparents its children back', () => {
    const before = aStack({ a: 'main', b: 'a' });
    const effect: JobEffect = {
      jobId: 'sync-1',
      before,
      plan: {
        moves: [{ branch: 'b', from: sha('3'), to: sha('5') }],
        events: [
          { type: 'BranchUntracked', data: { branch: 'a', reason: 'merged' } },
          {
            type: 'BranchReparented',
            data: { branch: 'b', from: 'a', to: 'main' },
          },
          restacked('b', 'main-head', sha('3'), sha('5')),
        ],
      },
    };
    const now = after(effect);
    const plan = planUndo('undo-1', effect, now, remoteOf(effect.plan.moves));
    expect(plan.events.map((e) => e.type)).toEqual([
      'BranchTracked',
      'BranchReparented',
      'BranchRestacked',
    ]);
    expect(plan.events.reduce(evolveStack, now).branches).toEqual(
      before.branches,
    );
  });

  it('untracks what the job tracked', () => {
    const effect: JobEffect = {
      jobId: 'adopt-1',
      before: aStack({}),
      plan: {
        moves: [],
        events: [
          {
            type: 'BranchTracked',
            data: { branch: 'x', parent: 'main', baseSha: sha('7') },
          },
        ],
      },
    };
    const plan = planUndo('undo-1', effect, after(effect), new Map());
    expect(plan.moves).toEqual([]);
    expect(plan.events).toEqual([
      {
        type: 'BranchUntracked',
        data: { branch: 'x', reason: 'undo of job adopt-1' },
      },
    ]);
  });

  it('undoing the undo redoes the job', () => {
    const effect = restackOfA();
    const undo = planUndo(
      'undo-1',
      effect,
      after(effect),
      remoteOf(effect.plan.moves),
    );
    const undone = undo.events.reduce(evolveStack, after(effect));
    const redo = planUndo(
      'redo-1',
      { jobId: 'undo-1', before: after(effect), plan: undo },
      undone,
      remoteOf(undo.moves),
    );
    expect(redo.moves).toEqual(effect.plan.moves);
    expect(redo.events.reduce(evolveStack, undone).branches).toEqual(
      after(effect).branches,
    );
  });
});

describe('jobChangedSomething', () => {
  it('is true for a job that moved a branch', () => {
    expect(jobChangedSomething(restackOfA())).toBe(true);
  });

  it('is false for a restack that recorded the bases it found', () => {
    const before = aStack({ a: 'main' });
    expect(
      jobChangedSomething({
        jobId: 'j',
        before,
        plan: {
          moves: [],
          events: [restacked('a', 'base-of-a', sha('1'), sha('1'))],
        },
      }),
    ).toBe(false);
  });

  it('is true for a job that only recorded a new base', () => {
    expect(
      jobChangedSomething({
        jobId: 'j',
        before: aStack({ a: 'main' }),
        plan: {
          moves: [],
          events: [restacked('a', 'new-base', sha('1'), sha('1'))],
        },
      }),
    ).toBe(true);
  });
});
