import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { JobResource } from '../../src/read-models/job/job.resource';
import type {
  RepoResource,
  RegisteredRepoResource,
} from '../../src/read-models/repo/repo.resource';
import { openPage, type WatchedPage } from './browser';
import { GitFixture } from './git-fixture';
import { TestApp } from './test-app';

/** Console errors a test provokes on purpose (Chromium logs every 4xx/5xx answer). */
export type ExpectedErrors = (text: string) => boolean;

/**
 * What one dashboard browser test owns — apps on one data dir, git origins, pages — and
 * gives back at the end, with everything that went wrong in its pages.
 */
export class DashboardSession {
  readonly dir = mkdtempSync(join(tmpdir(), 'stackyard-browser-'));
  private readonly apps: TestApp[] = [];
  private readonly fixtures: GitFixture[] = [];
  private readonly pages: WatchedPage[] = [];

  constructor(private readonly browser: Browser) {}

  /** The app on this session's data dir; `port` 0 picks a free one. */
  async start(env: Record<string, string> = {}, port = 0): Promise<TestApp> {
    const t = await TestApp.start(join(this.dir, 'data'), env, port);
    this.apps.push(t);
    return t;
  }

  /** Closes `t` (the page is left alone) and starts the service again on its port. */
  async restart(t: TestApp): Promise<TestApp> {
    const url = new URL(await t.app.getUrl());
    await this.close(t);
    return this.start({}, Number(url.port));
  }

  async close(t: TestApp): Promise<void> {
    this.apps.splice(this.apps.indexOf(t), 1);
    await t.close();
  }

  /** A bare origin repository with a work tree, removed at the end. */
  origin(): GitFixture {
    const fx = new GitFixture();
    this.fixtures.push(fx);
    return fx;
  }

  /** A page limited to `t`'s origin, not yet loaded. */
  async page(t: TestApp, expected?: ExpectedErrors): Promise<Page> {
    const url = await t.app.getUrl();
    const watched = await openPage(this.browser, url, expected);
    this.pages.push(watched);
    return watched.page;
  }

  /**
   * The dashboard on `repoId`, once it shows the repo's stack and its live stream is up.
   * Any console error not `expected` fails the test.
   */
  async openDashboard(
    t: TestApp,
    repoId: string,
    expected?: ExpectedErrors,
  ): Promise<Page> {
    const page = await this.page(t, expected);
    await page.goto(`${await t.app.getUrl()}/#/repos/${repoId}`);
    await page.locator('[data-testid=trunk-row]').waitFor();
    await page
      .locator('[data-testid=live-indicator][data-state=live]')
      .waitFor();
    return page;
  }

  /** Ends everything; resolves with the pages' errors (exceptions, console, off-origin). */
  async dispose(): Promise<string[]> {
    const errors = this.pages.flatMap((p) => p.errors);
    for (const p of this.pages.splice(0)) await p.page.context().close();
    for (const t of this.apps.splice(0)) await t.close().catch(() => undefined);
    for (const fx of this.fixtures.splice(0)) fx.dispose();
    rmSync(this.dir, { recursive: true, force: true });
    return errors;
  }
}

/** Registers `fx` and waits for its clone job; the repo id. */
export async function register(t: TestApp, fx: GitFixture, name = 'demo') {
  const res = await t
    .http()
    .post('/repos')
    .send({ name, remoteUrl: fx.origin })
    .expect(202);
  const repo = res.body as RegisteredRepoResource;
  await t.jobEnd(repo.initialJobId);
  return repo.repoId;
}

/** Requests an action through the API; the queued job. */
export async function act(t: TestApp, repoId: string, body: object) {
  const res = await t
    .http()
    .post(`/repos/${repoId}/actions`)
    .send(body)
    .expect(202);
  return res.body as JobResource;
}

/** Requests an action and waits for its end; the finished job. */
export async function run(t: TestApp, repoId: string, body: object) {
  const job = await act(t, repoId, body);
  await t.jobEnd(job.jobId);
  return t.job(job.jobId);
}

/** The tracked branches of `GET /repos/:repoId`, by name. */
export async function overview(t: TestApp, repoId: string) {
  const res = await t.http().get(`/repos/${repoId}`).expect(200);
  const repo = res.body as RepoResource;
  return Object.fromEntries(repo.branches.map((b) => [b.name, b]));
}
