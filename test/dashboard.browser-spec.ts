import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { JobResource } from '../src/read-models/job/job.resource';
import type { RepoResource } from '../src/read-models/repo/repo.resource';
import { launchChromium } from './support/browser';
import {
  act,
  DashboardSession,
  type ExpectedErrors,
  overview,
  register,
  run,
} from './support/dashboard-session';
import { RepoFetchGate } from './support/repo-fetch-gate';
import type { TestApp } from './support/test-app';

const SCREENSHOT = join(__dirname, '..', 'test-artifacts', 'dashboard.png');

const card = (jobId: string, status?: string) =>
  `[data-testid=job-card][data-job-id="${jobId}"]` +
  (status ? `[data-status="${status}"]` : '');
const row = (branch: string) =>
  `[data-testid=branch-row][data-branch="${branch}"]`;

/** The dashboard (`GET /`) in headless Chromium, on the in-process app and real git. */
describe('the dashboard', () => {
  let browser: Browser;
  let session: DashboardSession;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser.close());

  beforeEach(() => {
    session = new DashboardSession(browser);
  });

  afterEach(async () => {
    // Any uncaught exception, console error or request off the app's origin fails the test.
    expect(await session.dispose()).toEqual([]);
  });

  const start = (env?: Record<string, string>) => session.start(env);
  const origin = () => session.origin();

  /**
   * The dashboard on `repoId`, once it shows the stack and its live stream is up; for every
   * browser test (tasks too). `expected`: console errors the test causes on purpose.
   */
  const openDashboard = (
    t: TestApp,
    repoId: string,
    expected?: ExpectedErrors,
  ): Promise<Page> => session.openDashboard(t, repoId, expected);

  const text = async (page: Page, selector: string) =>
    (await page.locator(selector).textContent())?.trim();

  it('shows a restack from its click: queued, running at pre_sync, completed, and the tree moving', async () => {
    const gate = new RepoFetchGate(session.dir);
    const t = await start({
      STACKYARD_GIT_BIN: gate.bin,
      STACKYARD_CONCURRENCY: '1',
    });
    const fx = origin();
    fx.stack(['a', 'b']);
    const repoId = await register(t, fx);
    const otherId = await register(t, origin(), 'other');
    for (const branchName of ['a', 'b']) {
      await run(t, repoId, { action: 'register_existing_branch', branchName });
    }
    fx.advance();
    // A job that moves nothing still observes the new trunk: a now needs a restack.
    await run(t, repoId, { action: 'restack_subtree', branchName: 'b' });
    const before = await overview(t, repoId);
    expect(before.a!.needsRestack).toBe(true);

    const page = await openDashboard(t, repoId);
    await page.locator(`${row('a')} [data-testid=needs-restack]`).waitFor();
    expect(await text(page, `${row('a')} [data-testid=branch-sha]`)).toBe(
      before.a!.sha!.slice(0, 7),
    );

    // The only job slot is taken by the other repo's job, held in its first fetch, so the
    // restack waits in the queue; then it is held in its own first fetch.
    gate.hold(otherId);
    gate.hold(repoId);
    const blocker = await act(t, otherId, { action: 'sync_repo' });
    await t.firstEvent(
      (e) =>
        e.streamId === `repo-action-${blocker.jobId}` &&
        e.type === 'RepoActionStepStarted',
    );
    await page.click('[data-testid=action-restack_repo]');
    const queued = page.locator(
      '[data-testid=job-card]:has([data-testid=job-action]:text-is("restack_repo"))',
    );
    await queued.waitFor();
    const jobId = (await queued.getAttribute('data-job-id'))!;
    expect(await text(page, `${card(jobId)} [data-testid=job-status]`)).toBe(
      'queued',
    );
    expect((await t.job(jobId)).status).toBe('queued');

    gate.release(otherId);
    await page
      .locator(
        `${card(jobId, 'running')} [data-testid=job-step]:text-is("pre_sync")`,
      )
      .waitFor();
    expect(await text(page, `${card(jobId)} [data-testid=job-status]`)).toBe(
      'running',
    );

    gate.release(repoId);
    await page.locator(card(jobId, 'completed')).waitFor();
    await t.jobEnd(jobId);
    const after = await overview(t, repoId);
    for (const name of ['a', 'b']) {
      expect(after[name]!.sha).not.toBe(before[name]!.sha);
      await page
        .locator(
          `${row(name)} [data-testid=branch-sha]:text-is("${after[name]!.sha!.slice(0, 7)}")`,
        )
        .waitFor();
      expect(
        await text(page, `${row(name)} [data-testid=branch-job-status]`),
      ).toBe('completed');
    }
    expect(await page.locator('[data-testid=needs-restack]').count()).toBe(0);
    await page
      .locator('[data-testid=history-type]:text-is("RepoActionCompleted")')
      .first()
      .waitFor();

    // The artifact: the dashboard after a real restack, for a person to look at.
    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it('shows a rebase conflict with the branch and paths, and a refused request in the banner', async () => {
    const t = await start();
    const fx = origin();
    fx.gitW('checkout', '--quiet', '-B', 'a', 'main');
    fx.commit('shared.txt', 'from a\n', 'a: shared');
    fx.gitW('push', '--quiet', 'origin', 'a');
    const repoId = await register(t, fx);
    // The refused registration below is a 400, which Chromium logs as a console error.
    const page = await openDashboard(t, repoId, (e) => /status of 400/.test(e));

    await page.click(
      '[data-testid=untracked-row][data-branch="a"] [data-testid=branch-action-register_existing_branch]',
    );
    await page.locator(row('a')).waitFor();
    fx.advance('main', 'shared.txt', 'from main\n');
    await page.click(`${row('a')} [data-testid=branch-action-rebase_branch]`);

    const failed = page.locator(
      '[data-testid=job-card][data-status=error]:has([data-testid=job-action]:text-is("rebase_branch"))',
    );
    await failed.waitFor();
    await failed.locator('[data-testid=job-error-files]').waitFor();
    expect(
      await failed.locator('[data-testid=job-error-code]').textContent(),
    ).toBe('GIT.CONFLICT');
    expect(
      await failed.locator('[data-testid=job-error-branch]').textContent(),
    ).toBe('a');
    expect(
      await failed
        .locator('[data-testid=job-error-files] li')
        .allTextContents(),
    ).toEqual(['shared.txt']);
    await page
      .locator(`${row('a')} [data-testid=branch-job-status]:text-is("error")`)
      .waitFor();

    await page.fill('[data-testid=register-name]', 'bad');
    await page.fill('[data-testid=register-url]', 'ext::sh -c id');
    await page.click('[data-testid=register-submit]');
    await page.locator('[data-testid=error-banner]:visible').waitFor();
    expect(await text(page, '[data-testid=error-code]')).toBe(
      'REPO.INVALID_REMOTE_URL',
    );
  });

  it('creates a task from the form: pending_branch_attach while its job is held, then ready; a missing branch ends attach_failed', async () => {
    const gate = new RepoFetchGate(session.dir);
    const t = await start({ STACKYARD_GIT_BIN: gate.bin });
    const fx = origin();
    const head = fx.branch('feature', fx.trunk);
    const repoId = await register(t, fx);
    const page = await openDashboard(t, repoId);
    const taskRow = (branch: string, status: string) =>
      page.locator(
        `[data-testid=task-row][data-status=${status}]:has([data-testid=task-branch]:text-is("${branch}"))`,
      );

    gate.hold(repoId);
    await page.fill('[data-testid=task-title-input]', 'Ship <b>it</b>');
    await page.fill('[data-testid=task-branch-input]', 'feature');
    await page.click('[data-testid=task-create]');
    const pending = taskRow('feature', 'pending_branch_attach');
    await pending.waitFor();
    // The title is text, never markup.
    expect(
      await pending.locator('[data-testid=task-title]').textContent(),
    ).toBe('Ship <b>it</b>');
    const taskId = (await pending.getAttribute('data-task-id'))!;
    expect(
      (await t.http().get(`/tasks/${taskId}`).expect(200)).body,
    ).toMatchObject({ status: 'pending_branch_attach' });

    gate.release(repoId);
    const ready = taskRow('feature', 'ready');
    await ready.waitFor();
    expect(await ready.locator('[data-testid=task-head]').textContent()).toBe(
      head.slice(0, 7),
    );
    expect(await ready.locator('[data-testid=task-parent]').textContent()).toBe(
      `on ${fx.trunk}`,
    );
    await page
      .locator(`${row('feature')} [data-testid=branch-task]:has-text("Ship")`)
      .waitFor();

    await page.fill('[data-testid=task-title-input]', 'Not pushed');
    await page.fill('[data-testid=task-branch-input]', 'nowhere');
    await page.click('[data-testid=task-create]');
    const failed = taskRow('nowhere', 'attach_failed');
    await failed.waitFor();
    expect(
      await failed.locator('[data-testid=task-error-code]').textContent(),
    ).toBe('GIT.UNKNOWN_BRANCH');
  });

  it('asks for a token when auth is on, and then reads and streams with it', async () => {
    const t = await start({ STACKYARD_TOKENS: 'tokA=org1' });
    const res = await t
      .http()
      .post('/repos')
      .set('authorization', 'Bearer tokA')
      .send({ name: 'guarded', remoteUrl: origin().origin })
      .expect(202);
    const { repoId } = res.body as RepoResource;
    // The first reads are refused with 401, which Chromium logs as console errors.
    const page = await session.page(t, (e) => /status of 401/.test(e));
    await page.goto(`${await t.app.getUrl()}/#/repos/${repoId}`);

    await page.locator('[data-testid=token-form]:visible').waitFor();
    await page.fill('[data-testid=token-input]', 'tokA');
    await page.click('[data-testid=token-submit]');
    await page
      .locator(`[data-testid=repo-item][data-repo-id="${repoId}"]`)
      .waitFor();
    await page
      .locator('[data-testid=live-indicator][data-state=live]')
      .waitFor();
    expect(
      // A string: the test program has no DOM types.
      await page.evaluate('localStorage.getItem("stackyard.token")'),
    ).toBe('tokA');
    const job = (
      await t
        .http()
        .post(`/repos/${repoId}/actions`)
        .set('authorization', 'Bearer tokA')
        .send({ action: 'sync_repo' })
        .expect(202)
    ).body as JobResource;
    await page.locator(card(job.jobId)).waitFor();
  });

  it('comes back live by itself after the service restarts, and shows jobs requested since', async () => {
    const first = await start();
    const repoId = await register(first, origin());
    // While the service is away, the streams' reconnect attempts (the repo's, and the
    // org's that keeps the repo list) fail or are refused.
    const page = await openDashboard(first, repoId, (e) =>
      /\/events\b/.test(e),
    );
    const indicator = (state: string) =>
      page
        .locator(`[data-testid=live-indicator][data-state=${state}]`)
        .waitFor();

    // A plain restart: the browser's own retry finds the new process on the same port.
    const port = Number(new URL(page.url()).port);
    const closing = session.close(first);
    await indicator('reconnecting');
    await closing;
    const second = await session.start({}, port);
    expect(await second.app.getUrl()).toBe(new URL(page.url()).origin);
    await indicator('live');
    const job = await act(second, repoId, { action: 'sync_repo' });
    await page.locator(card(job.jobId, 'completed')).waitFor();
    const lastSeen = (await second.jobEnd(job.jobId)).globalPosition;

    // A restart whose first answers are refusals (a proxy's 503 while the service is away):
    // the browser gives up on its stream, and the page opens a new one after a backoff,
    // resuming from the last event it saw.
    let reopened: () => void = () => undefined;
    const reopenedByPage = new Promise<void>((resolve) => (reopened = resolve));
    let refusing = true;
    await page.route('**/events?*', (route) => {
      if (!refusing) return route.continue();
      const from = new URL(route.request().url()).searchParams.get(
        'lastEventId',
      );
      // The browser's own retries keep the first URL (and send Last-Event-ID, which routes
      // do not see); a stream the page opened again names the last event it saw.
      if (Number(from) >= lastSeen) reopened();
      return route.fulfill({ status: 503, body: 'restarting' });
    });
    const third = await session.restart(second);
    await reopenedByPage;
    await indicator('reconnecting');
    const missed = await act(third, repoId, { action: 'restack_repo' });
    await third.jobEnd(missed.jobId);
    refusing = false;
    await indicator('live');

    await page.locator(card(missed.jobId, 'completed')).waitFor();
    // The timeline is read only once, at the start: the missed job's entries are the replay.
    await page
      .locator(
        `[data-testid=history-item]:has([data-testid=history-type]:text-is("RepoActionRequested"))`,
      )
      .nth(2)
      .waitFor();
  });
});
