import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Module } from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import {
  FastifyAdapter,
  type NestFastifyApplication,
} from '@nestjs/platform-fastify';
import request from 'supertest';
import { JOB_ACTIONS } from '../../../src/domain/events/job.events';
import { JOB_STATUSES } from '../../../src/domain/job/job-status';
import {
  ALL_EVENTS,
  FINAL_JOB_EVENTS,
  JOB_EVENTS,
  REPO_EVENTS,
  SUBSCRIPTION_EVENTS,
  TASK_EVENTS,
  TIMELINE_EVENTS,
} from '../../../src/domain/events/stackyard-event';
import { HttpErrorFilter } from '../../../src/infrastructure/http/http-error.filter';
import {
  DashboardAssets,
  dashboardDir,
  matchesEtag,
} from '../../../src/read-models/dashboard/dashboard-assets';
import {
  DASHBOARD_ASSETS,
  DashboardController,
} from '../../../src/read-models/dashboard/dashboard.controller';

/** The dashboard routes alone, over the files of `dir`, with the service's error filter. */
async function serve(dir: string): Promise<NestFastifyApplication> {
  @Module({
    controllers: [DashboardController],
    providers: [
      { provide: DASHBOARD_ASSETS, useValue: DashboardAssets.load(dir) },
      { provide: APP_FILTER, useClass: HttpErrorFilter },
    ],
  })
  class DashboardOnly {}
  const app = await NestFactory.create<NestFastifyApplication>(
    DashboardOnly,
    new FastifyAdapter(),
    { logger: false, abortOnError: false },
  );
  await app.listen(0, '127.0.0.1');
  return app;
}

describe('the dashboard routes', () => {
  let dir: string;
  let app: NestFastifyApplication | undefined;
  const http = () => request(app!.getHttpServer());

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stackyard-dashboard-'));
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  function build(): void {
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
    writeFileSync(join(dir, 'app.js'), 'export {};\n');
    writeFileSync(join(dir, 'style.css'), 'body{}\n');
    writeFileSync(join(dir, 'notes.txt'), 'not served\n');
    writeFileSync(join(dir, '.hidden.js'), 'not served\n');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'deep.js'), 'not served\n');
  }

  it('answers the page with 503 DASHBOARD.NOT_BUILT before a build', async () => {
    app = await serve(join(dir, 'missing'));
    const res = await http().get('/');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({
      error: { code: 'DASHBOARD.NOT_BUILT', message: 'run npm run build' },
    });
  });

  it('serves the page with its policy, and the built files from memory with validators', async () => {
    build();
    app = await serve(dir);
    // Read once at start: a later change on disk is not served.
    writeFileSync(join(dir, 'app.js'), 'changed\n');

    const page = await http().get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain(
      "default-src 'self'; connect-src 'self'",
    );
    expect(page.headers['cache-control']).toBe('no-cache');
    const etag = String(page.headers.etag);
    const again = await http().get('/').set('if-none-match', etag);
    expect(again.status).toBe(304);
    expect(again.text).toBeFalsy();

    const js = await http().get('/dashboard/app.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.text).toBe('export {};\n');
    const css = await http().get('/dashboard/style.css');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it("serves catalogue.js: the domain's event kinds, job actions and statuses as a module a browser can import", async () => {
    build();
    app = await serve(dir);
    const res = await http().get('/dashboard/catalogue.js');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    // Evaluated as an ES module by node, it gives each kind's types and a working `has`,
    // and the plain lists as they are.
    const file = join(dir, 'catalogue.mjs');
    writeFileSync(file, res.text);
    const loaded = JSON.parse(
      execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(pathToFileURL(file).href)});
           console.log(JSON.stringify(Object.fromEntries(Object.entries(m).map(
             ([name, kind]) => [name, Array.isArray(kind) ? { list: kind, frozen: Object.isFrozen(kind) }
               : { types: kind.types, hasFirst: kind.has(kind.types[0]), hasOther: kind.has('Nope') }]))));`,
        ],
        { encoding: 'utf8' },
      ),
    ) as Record<string, unknown>;
    const kinds = {
      ALL_EVENTS,
      REPO_EVENTS,
      JOB_EVENTS,
      FINAL_JOB_EVENTS,
      TASK_EVENTS,
      TIMELINE_EVENTS,
      SUBSCRIPTION_EVENTS,
    };
    const lists = { JOB_ACTIONS, JOB_STATUSES };
    expect(Object.keys(loaded).sort()).toEqual(
      [...Object.keys(kinds), ...Object.keys(lists)].sort(),
    );
    for (const [name, kind] of Object.entries(kinds)) {
      expect(loaded[name]).toEqual({
        types: kind.types,
        hasFirst: true,
        hasOther: false,
      });
    }
    for (const [name, list] of Object.entries(lists)) {
      expect(loaded[name]).toEqual({ list, frozen: true });
    }
  });

  it.each([
    '/dashboard/notes.txt',
    '/dashboard/.hidden.js',
    '/dashboard/index.html',
    '/dashboard/sub%2Fdeep.js',
    '/dashboard/..%2Fapp.js',
    '/dashboard/..%2F..%2Fetc%2Fpasswd',
    '/dashboard/nope.js',
  ])('answers %s with 404 DASHBOARD.NOT_FOUND', async (url) => {
    build();
    app = await serve(dir);
    const res = await http().get(url);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: { code: 'DASHBOARD.NOT_FOUND' } });
  });

  it('finds the build in dist/dashboard when running from the sources', () => {
    expect(dashboardDir()).toBe(
      resolve(__dirname, '..', '..', '..', 'dist', 'dashboard'),
    );
  });

  it('matches If-None-Match lists, weak tags and *', () => {
    expect(matchesEtag('"a", W/"b"', '"b"')).toBe(true);
    expect(matchesEtag('*', '"b"')).toBe(true);
    expect(matchesEtag('"a"', '"b"')).toBe(false);
    expect(matchesEtag(undefined, '"b"')).toBe(false);
  });
});
