import { apiDocument } from '../src/api-document';
import { TestApp } from './support/test-app';

// Answers the rest of the suite seldom provokes, so that the contract check sees them too.
describe('the API at its edges', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await TestApp.start();
  });

  afterEach(async () => {
    await t.close();
    t.dispose();
  });

  const code = (res: { body: unknown }) =>
    (res.body as { error?: { code?: string } }).error?.code;

  it('serves the generated document', async () => {
    const res = await t.http().get('/docs').expect(200);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(apiDocument())));
  });

  it('refuses a body it cannot parse on every command, the cancel that takes none included', async () => {
    for (const path of [
      '/repos',
      '/repos/unknown/actions',
      '/repos/unknown/tasks',
      '/jobs/unknown/cancel',
      '/subscriptions',
      '/subscriptions/unknown/resume',
    ]) {
      const xml = await t
        .http()
        .post(path)
        .set('content-type', 'application/xml')
        .send('<action/>');
      expect({ path, status: xml.status, code: code(xml) }).toEqual({
        path,
        status: 415,
        code: 'HTTP.UNSUPPORTED_MEDIA_TYPE',
      });
      const broken = await t
        .http()
        .post(path)
        .set('content-type', 'application/json')
        .send('{"action":');
      expect({ path, status: broken.status, code: code(broken) }).toEqual({
        path,
        status: 400,
        code: 'HTTP.BAD_REQUEST',
      });
      const large = await t
        .http()
        .post(path)
        .set('content-type', 'application/json')
        .send({ pad: 'x'.repeat(70_000) });
      expect({ path, status: large.status, code: code(large) }).toEqual({
        path,
        status: 413,
        code: 'HTTP.PAYLOAD_TOO_LARGE',
      });
    }
  });

  it('answers a bad query parameter with 400 on every read route', async () => {
    for (const path of [
      '/repos?minPosition=x',
      '/repos/unknown?minPosition=-1',
      '/repos/unknown/jobs?limit=0',
      '/repos/unknown/history?before=0',
      '/repos/unknown/tasks?status=done',
      '/jobs/unknown?minPosition=1.5',
      '/tasks/unknown?minPosition=x',
      '/events?lastEventId=x',
      '/subscriptions?minPosition=x',
      '/subscriptions/unknown?minPosition=-1',
      '/subscriptions/unknown/deliveries?limit=0',
      '/subscriptions/unknown/deliveries?limit=101',
    ]) {
      const res = await t.http().get(path);
      expect({ path, status: res.status, code: code(res) }).toEqual({
        path,
        status: 400,
        code: 'REQUEST.INVALID',
      });
    }
    const header = await t.http().get('/events').set('last-event-id', 'x');
    expect({ status: header.status, code: code(header) }).toEqual({
      status: 400,
      code: 'REQUEST.INVALID',
    });
  });
});
