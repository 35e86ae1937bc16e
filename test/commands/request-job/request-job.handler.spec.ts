import { jobStream } from '../../../src/domain/streams';
import type { ValidActionRequest } from '../../../src/domain/job/job.request';
import { RequestJobCommand } from '../../../src/commands/request-job/request-job.command';
import { RequestJobHandler } from '../../../src/commands/request-job/request-job.handler';
import { aRepoRegistered } from '../../builders/repo.builders';
import {
  aCommandFixture,
  answerTo,
  type CommandFixture,
  NOW,
} from '../../support/command-fixture';

const REBASE: ValidActionRequest = {
  action: 'rebase_branch',
  branchName: 'feature-a',
};

describe('RequestJobHandler', () => {
  let fx: CommandFixture;
  let handler: RequestJobHandler;

  beforeEach(() => {
    fx = aCommandFixture();
    fx.repos.add(aRepoRegistered({ repoId: 'repo-1', orgId: 'org-1' }).data);
    handler = new RequestJobHandler(fx.store, fx.clock, fx.repos);
  });

  afterEach(async () => {
    await fx.store.close();
  });

  const request = (
    idempotencyKey?: string,
    action: ValidActionRequest = REBASE,
    repoId = 'repo-1',
    orgId = 'org-1',
    requestId?: string,
  ) =>
    handler.execute(
      new RequestJobCommand(orgId, repoId, action, idempotencyKey, requestId),
    );

  it('given a registered repo, when a job is requested outside any HTTP request, then its request is appended with the metadata of the request, correlated by the job', async () => {
    const result = await request();

    const stream = await fx.store.readStream(jobStream(result.jobId));
    expect(stream).toHaveLength(1);
    expect(stream[0]).toMatchObject({
      type: 'RepoActionRequested',
      data: {
        jobId: result.jobId,
        orgId: 'org-1',
        repoId: 'repo-1',
        action: 'rebase_branch',
        branchName: 'feature-a',
      },
      metadata: {
        jobId: result.jobId,
        correlationId: result.jobId,
        actor: 'org:org-1',
        orgId: 'org-1',
        repoId: 'repo-1',
        at: NOW,
      },
    });
    expect(stream[0]!.data).not.toHaveProperty('idempotencyKey');
    expect(result).toEqual({ jobId: result.jobId, stream, replayed: false });
  });

  it("given an HTTP request's id, when a job is requested, then the request is recorded with that id as its correlation id", async () => {
    const result = await request(undefined, REBASE, 'repo-1', 'org-1', 'req-1');

    const [requested] = await fx.store.readStream(jobStream(result.jobId));
    expect(requested!.metadata).toMatchObject({
      jobId: result.jobId,
      correlationId: 'req-1',
    });
  });

  it("given a job made with a key, when a retry with the key comes in another request, then the job keeps the first request's correlation id", async () => {
    const first = await request('k-1', REBASE, 'repo-1', 'org-1', 'req-1');

    const again = await request('k-1', REBASE, 'repo-1', 'org-1', 'req-2');

    expect(again).toMatchObject({ jobId: first.jobId, replayed: true });
    const events = await fx.store.readStream(jobStream(first.jobId));
    expect(events.map((e) => e.metadata.correlationId)).toEqual(['req-1']);
  });

  it('given no key, when the same job is requested twice, then there are two jobs', async () => {
    const first = await request();
    const second = await request();

    expect(second.jobId).not.toBe(first.jobId);
    expect(second.replayed).toBe(false);
    expect(await fx.store.headPosition()).toBe(2);
  });

  it('given a key, when the request is recorded, then the key is in it', async () => {
    const { stream } = await request('k-1');

    expect(stream[0]!.data).toMatchObject({ idempotencyKey: 'k-1' });
  });

  it('given a job made with a key, when the same request comes with the key, then it is replayed: the same job, nothing appended', async () => {
    const first = await request('k-1');
    const head = await fx.store.headPosition();

    const again = await request('k-1');

    expect(again).toEqual({
      jobId: first.jobId,
      stream: first.stream,
      replayed: true,
    });
    expect(await fx.store.headPosition()).toBe(head);
  });

  it('given a job made with a key, when the key comes for another repo, then it makes another job', async () => {
    fx.repos.add(aRepoRegistered({ repoId: 'repo-2', orgId: 'org-1' }).data);
    const first = await request('k-1');

    const other = await request('k-1', REBASE, 'repo-2');

    expect(other.jobId).not.toBe(first.jobId);
    expect(other.replayed).toBe(false);
  });

  it('given a job made with a key, when the key comes with another request, then 422 and nothing appended', async () => {
    await request('k-1');
    const head = await fx.store.headPosition();

    expect(await answerTo(request('k-1', { action: 'sync_repo' }))).toEqual({
      status: 422,
      code: 'IDEMPOTENCY.KEY_REUSED',
    });
    expect(await fx.store.headPosition()).toBe(head);
  });

  it('given no such repo, when a job is requested, then 404 and nothing appended', async () => {
    expect(await answerTo(request(undefined, REBASE, 'repo-x'))).toEqual({
      status: 404,
      code: 'REPO.NOT_FOUND',
    });
    expect(await fx.store.headPosition()).toBe(0);
  });

  it("given another org's repo, when a job is requested, then 404 and nothing appended", async () => {
    expect(
      await answerTo(request(undefined, REBASE, 'repo-1', 'org-2')),
    ).toEqual({ status: 404, code: 'REPO.NOT_FOUND' });
    expect(await fx.store.headPosition()).toBe(0);
  });
});
