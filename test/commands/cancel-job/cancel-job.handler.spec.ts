import { CancelJobCommand } from '../../../src/commands/cancel-job/cancel-job.command';
import { CancelJobHandler } from '../../../src/commands/cancel-job/cancel-job.handler';
import type { JobEvent } from '../../../src/domain/events/job.events';
import { jobStream } from '../../../src/domain/streams';
import {
  aCancelRequested,
  aRepoActionCancelled,
  aRepoActionCompleted,
  aRepoActionRequested,
  aRepoActionStarted,
  aStepCompleted,
  aStepStarted,
} from '../../builders/job.builders';
import {
  aCommandFixture,
  answerTo,
  type CommandFixture,
  NOW,
} from '../../support/command-fixture';

const JOB = jobStream('job-1');

describe('CancelJobHandler', () => {
  let fx: CommandFixture;
  let handler: CancelJobHandler;

  beforeEach(() => {
    fx = aCommandFixture();
    handler = new CancelJobHandler(fx.store, fx.clock);
  });

  afterEach(async () => {
    await fx.store.close();
  });

  /** Given the job's events, as the request handler and the runner recorded them. */
  const given = (...events: JobEvent[]) =>
    fx.store.appendToStream(JOB, events, { expectedVersion: 'no_stream' });

  const cancel = (orgId = 'org-1', jobId = 'job-1', requestId?: string) =>
    handler.execute(new CancelJobCommand(orgId, jobId, requestId));

  it('given a queued job, when cancelled, then it is cancelled with the metadata of the request, and the stream is answered', async () => {
    await given(aRepoActionRequested({ repoId: 'repo-7' }));

    const stream = await cancel();

    expect(stream).toEqual(await fx.store.readStream(JOB));
    expect(stream.map((e) => e.type)).toEqual([
      'RepoActionRequested',
      'RepoActionCancelled',
    ]);
    expect(stream[1]).toMatchObject({
      ...aRepoActionCancelled(),
      metadata: {
        jobId: 'job-1',
        correlationId: 'job-1',
        actor: 'org:org-1',
        orgId: 'org-1',
        repoId: 'repo-7',
        at: NOW,
      },
    });
  });

  it("given a running job, when cancelled in an HTTP request, then the cancel carries the request's id as its correlation id", async () => {
    await given(aRepoActionRequested(), aRepoActionStarted(), aStepStarted());

    const stream = await cancel('org-1', 'job-1', 'req-9');

    expect(stream.at(-1)).toMatchObject({
      ...aCancelRequested(),
      metadata: { jobId: 'job-1', correlationId: 'req-9' },
    });
  });

  it('given a running job, when cancelled, then it is asked to stop; when cancelled again, then nothing is appended', async () => {
    await given(aRepoActionRequested(), aRepoActionStarted(), aStepStarted());

    const asked = await cancel();
    const again = await cancel();

    expect(asked.at(-1)).toMatchObject(aCancelRequested());
    expect(again).toEqual(asked);
    expect(await fx.store.readStream(JOB)).toEqual(asked);
  });

  it('given a job that has published, when cancelled, then 409 and nothing appended', async () => {
    await given(
      aRepoActionRequested(),
      aRepoActionStarted(),
      aStepCompleted('publish'),
    );

    expect(await answerTo(cancel())).toEqual({
      status: 409,
      code: 'JOB.CANNOT_CANCEL',
    });
    expect(await fx.store.headPosition()).toBe(3);
  });

  it('given a job that ended, when cancelled, then 409', async () => {
    await given(aRepoActionRequested(), aRepoActionCompleted());

    expect(await answerTo(cancel())).toEqual({
      status: 409,
      code: 'JOB.ALREADY_FINISHED',
    });
  });

  it("given another org's job, when cancelled, then 404 and nothing appended", async () => {
    await given(aRepoActionRequested({ orgId: 'org-1' }));

    expect(await answerTo(cancel('org-2'))).toEqual({
      status: 404,
      code: 'JOB.NOT_FOUND',
    });
    expect(await fx.store.headPosition()).toBe(1);
  });

  it('given no such job, when cancelled, then 404 and nothing appended', async () => {
    expect(await answerTo(cancel('org-1', 'job-x'))).toEqual({
      status: 404,
      code: 'JOB.NOT_FOUND',
    });
    expect(await fx.store.headPosition()).toBe(0);
  });
});
