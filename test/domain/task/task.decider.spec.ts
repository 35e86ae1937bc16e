import type { TaskEvent } from '../../../src/domain/events/task.events';
import {
  type TaskCommand,
  taskDecider,
} from '../../../src/domain/task/task.decider';
import {
  aTaskBranchAttached,
  aTaskBranchAttachFailed,
  aTaskBranchAttachRequested,
  aTaskCreated,
} from '../../builders/task.builders';

const given = (...events: TaskEvent[]) => ({
  when: (command: TaskCommand) =>
    taskDecider.decide(
      command,
      events.reduce(taskDecider.evolve, taskDecider.initialState()),
    ),
});

const create = (
  attach: Extract<TaskCommand, { type: 'CreateTask' }>['data']['attach'],
): TaskCommand => ({
  type: 'CreateTask',
  data: { ...aTaskCreated().data, attach },
});

const attached: TaskCommand = {
  type: 'RecordTaskBranchAttached',
  data: aTaskBranchAttached().data,
};
const failed: TaskCommand = {
  type: 'RecordTaskBranchAttachFailed',
  data: aTaskBranchAttachFailed().data,
};

describe('task decider', () => {
  it('creates a task whose branch a job attaches', () => {
    expect(given().when(create({ kind: 'job', jobId: 'job-1' }))).toEqual([
      aTaskCreated(),
      aTaskBranchAttachRequested('job-1'),
    ]);
  });

  it('creates a ready task when the branch is known', () => {
    const known = aTaskBranchAttached().data;
    expect(given().when(create({ kind: 'known', ...known }))).toEqual([
      aTaskCreated(),
      aTaskBranchAttached(known),
    ]);
  });

  it('refuses to create a task twice: the branch is taken', () => {
    expect(() =>
      given(aTaskCreated()).when(create({ kind: 'job', jobId: 'j' })),
    ).toThrow(expect.objectContaining({ code: 'TASK.BRANCH_TAKEN' }) as Error);
  });

  it('records the outcome of a pending attach once', () => {
    const pending = [aTaskCreated(), aTaskBranchAttachRequested()];
    expect(given(...pending).when(attached)).toEqual([aTaskBranchAttached()]);
    expect(given(...pending).when(failed)).toEqual([aTaskBranchAttachFailed()]);
    expect(given(...pending, aTaskBranchAttached()).when(attached)).toEqual([]);
    expect(given(...pending, aTaskBranchAttachFailed()).when(attached)).toEqual(
      [],
    );
  });

  it('evolves to the status the API shows', () => {
    const state = [
      aTaskCreated(),
      aTaskBranchAttachRequested('job-9'),
      aTaskBranchAttachFailed('GIT.UNKNOWN_BRANCH'),
    ].reduce(taskDecider.evolve, taskDecider.initialState());
    expect(state).toMatchObject({
      status: 'attach_failed',
      jobId: 'job-9',
      error: { code: 'GIT.UNKNOWN_BRANCH' },
    });
  });
});
