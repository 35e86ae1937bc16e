import { evolveRecorded } from '../../support/evolve-recorded';
import type { TaskEvent } from '../../../src/domain/events/task.events';
import type { RecordedEvent } from '../../../src/infrastructure/event-store/event-store.port';
import { repoProjection } from '../../../src/projections/repo/repo.projection';
import type { RepoRow } from '../../../src/read-models/repo/repo.row';
import { taskProjection } from '../../../src/projections/task/task.projection';
import type { TaskRow } from '../../../src/read-models/task/task.row';
import { recorded } from '../../builders/job.builders';
import {
  aTaskBranchAttached,
  aTaskBranchAttachFailed,
  aTaskBranchAttachRequested,
  aTaskCreated,
} from '../../builders/task.builders';

const owned = <E extends RecordedEvent>(events: E[]) =>
  events.map((e) => ({
    ...e,
    metadata: { orgId: 'org-1', repoId: 'repo-1' },
  }));

const project = (events: readonly TaskEvent[]) =>
  owned(recorded('task-task-1', events)).reduce<TaskRow | null>(
    (row, event) => evolveRecorded(taskProjection, row, event),
    null,
  );

describe('task projection', () => {
  it('keys rows by the task stream', () => {
    const [event] = recorded('task-7', [aTaskCreated()]);
    expect(taskProjection.keyOf(event!)).toBe('7');
    const [other] = recorded('repo-7', [aTaskCreated()]);
    expect(taskProjection.keyOf(other!)).toBeUndefined();
  });

  it('follows a task from pending to ready', () => {
    expect(
      project([aTaskCreated(), aTaskBranchAttachRequested('job-1')]),
    ).toMatchObject({
      orgId: 'org-1',
      status: 'pending_branch_attach',
      jobId: 'job-1',
    });
    expect(
      project([
        aTaskCreated(),
        aTaskBranchAttachRequested('job-1'),
        aTaskBranchAttached({ parent: 'dev' }),
      ]),
    ).toMatchObject({
      status: 'ready',
      parent: 'dev',
      headSha: 'a'.repeat(40),
    });
  });

  it('ignores an event it has already applied', () => {
    const events = owned(
      recorded('task-task-1', [aTaskCreated(), aTaskBranchAttachFailed()]),
    );
    const row = events.reduce<TaskRow | null>(
      (r, e) => evolveRecorded(taskProjection, r, e),
      null,
    );
    expect(evolveRecorded(taskProjection, row, events[1]!)).toBe(row);
  });
});

describe('repo projection: the task of each branch', () => {
  const registered = recorded('repo-repo-1', [
    {
      type: 'RepoRegistered',
      data: {
        repoId: 'repo-1',
        orgId: 'org-1',
        name: 'demo',
        remoteUrl: 'file:///x',
        trunk: 'main',
      },
    },
  ]);

  it('links a branch to its live task and frees it when the attach fails', () => {
    const taskEvents = owned(
      recorded('task-task-1', [aTaskCreated(), aTaskBranchAttachFailed()], 10),
    );
    let row: RepoRow | null = null;
    row = evolveRecorded(repoProjection, row, registered[0]!);
    expect(repoProjection.keyOf(taskEvents[0]!)).toBe('repo-1');
    row = evolveRecorded(repoProjection, row, taskEvents[0]!);
    expect(row?.tasks).toEqual({ feature: 'task-1' });
    row = evolveRecorded(repoProjection, row, taskEvents[1]!);
    expect(row?.tasks).toEqual({});
  });
});
