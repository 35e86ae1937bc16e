import { apiDocument } from '../src/api-document';
import { ApiContract, type ObservedResponse } from './support/api-contract';

const contract = ApiContract.of(apiDocument());

const job = {
  jobId: 'j1',
  repoId: 'r1',
  action: 'restack_repo',
  branchName: null,
  parentBranch: null,
  taskId: null,
  undoOf: null,
  undoable: false,
  status: 'queued',
  step: null,
  message: null,
  progress: null,
  attempt: 0,
  cancelRequested: false,
  requestedAt: '2026-01-01T00:00:00.000Z',
  startedAt: null,
  finishedAt: null,
  updatedAt: '2026-01-01T00:00:00.000Z',
  result: null,
  error: null,
};

const response = (over: Partial<ObservedResponse>): ObservedResponse => ({
  method: 'GET',
  route: '/jobs/:jobId',
  url: '/jobs/j1',
  status: 200,
  contentType: 'application/json; charset=utf-8',
  body: JSON.stringify(job),
  ...over,
});

describe('the response check against the API document', () => {
  it('passes a documented status with a body of its schema', () => {
    expect(contract.check(response({}))).toEqual([]);
  });

  it('names a status the operation does not document', () => {
    expect(contract.check(response({ status: 418 }))).toEqual([
      expect.stringContaining('status 418 is not documented'),
    ]);
  });

  it('names each field a JSON body gets wrong', () => {
    const { updatedAt: _, ...withoutUpdatedAt } = job;
    const problems = contract.check(
      response({
        body: JSON.stringify({ ...withoutUpdatedAt, attempt: 'one' }),
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining("must have required property 'updatedAt'"),
        expect.stringMatching(/^\/attempt must be integer/),
      ]),
    );
  });

  it('refuses a field the schema does not have', () => {
    expect(
      contract.check(response({ body: JSON.stringify({ ...job, extra: 1 }) })),
    ).toEqual([expect.stringContaining('must NOT have additional properties')]);
  });

  it('refuses a response no operation documents, or in an undocumented media type', () => {
    expect(contract.check(response({ route: '/jobs/:jobId/x' }))).toEqual([
      expect.stringContaining('no documented operation'),
    ]);
    expect(
      contract.check(response({ contentType: 'text/html', body: '<p>' })),
    ).toEqual([expect.stringContaining('content type text/html')]);
  });

  it('passes an answer without a route only as a client error with the coded body', () => {
    const unrouted = (over: Partial<ObservedResponse>) =>
      response({ route: undefined, url: '/nowhere', ...over });
    const error = JSON.stringify({
      error: { code: 'HTTP.NOT_FOUND', message: 'Cannot GET /nowhere' },
    });
    expect(contract.check(unrouted({ status: 404, body: error }))).toEqual([]);
    expect(
      contract.check(unrouted({ method: 'HEAD', status: 405, body: '' })),
    ).toEqual([]);
    expect(contract.check(unrouted({ status: 200, body: error }))).toEqual([
      expect.stringContaining('no client error'),
    ]);
    expect(
      contract.check(
        unrouted({
          status: 404,
          body: '{"message":"Not Found","statusCode":404}',
        }),
      ),
    ).toEqual(
      expect.arrayContaining([
        expect.stringContaining("must have required property 'error'"),
      ]),
    );
    expect(
      contract.check(
        unrouted({ status: 400, contentType: 'text/plain', body: 'Bad' }),
      ),
    ).toEqual([expect.stringContaining('content type text/plain')]);
  });

  it('checks only the status of a stream it did not see the body of', () => {
    const sse = { method: 'GET', route: '/events', url: '/events' };
    expect(
      contract.check(response({ ...sse, status: 200, body: undefined })),
    ).toEqual([]);
    expect(
      contract.check(response({ ...sse, status: 201, body: undefined })),
    ).toEqual([expect.stringContaining('status 201')]);
  });
});
