import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { JobResource } from '../src/read-models/job/job.resource';
import type { RegisteredRepoResource } from '../src/read-models/repo/repo.resource';
import { launchChromium } from './support/browser';
import {
  act,
  DashboardSession,
  type ExpectedErrors,
  register,
  run,
} from './support/dashboard-session';
import type { GitFixture } from './support/git-fixture';
import { RepoFetchGate } from './support/repo-fetch-gate';
import type { TestApp } from './support/test-app';

const SCREENSHOT = join(__dirname, '..', 'test-artifacts', 'job-page.png');

/**
 * A git whose `merge-tree` in one repo's clone waits while that repo is held: a restack
 * whose pick needs a content merge stops inside `execute`, after it reported its progress,
 * so a test sees the progress bar of a running job without racing it.
 */
class MergeTreeGate {
  readonly bin: string;

  constructor(private readonly dir: string) {
    this.bin = join(dir, 'merge-gated-git');
    writeFileSync(
      this.bin,
      `#!/bin/sh
repo=""
merge=""
for a in "$@"; do
  case "$a" in
    --git-dir=*) repo=$(basename "\${a#--git-dir=}" .git) ;;
    merge-tree) merge=1 ;;
  esac
done
if [ -n "$merge" ] && [ -n "$repo" ]; then
  # Waits while held, or gives up when the test's folder is gone.
  while [ -e "${dir}/merge-hold-$repo" ] && [ -e "${this.bin}" ]; do sleep 0.02; done
fi
exec git "$@"
`,
    );
    chmodSync(this.bin, 0o755);
  }

  hold(repoId: string): void {
    writeFileSync(join(this.dir, `merge-hold-${repoId}`), '');
  }

  release(repoId: string): void {
    rmSync(join(this.dir, `merge-hold-${repoId}`), { force: true });
  }
}

/** Ten lines; a branch and trunk each change one far from the other: a clean content merge. */
const TEN = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`);
const lines = (change: Record<number, string>) =>
  `${TEN.map((line, i) => change[i] ?? line).join('\n')}\n`;

/**
 * trunk <- a <- b, where a changes shared.txt's first line and trunk then its last: a
 * restack of the repo replays a with a content merge (git merge-tree) and b without.
 */
function contentMergeStack(fx: GitFixture): void {
  fx.commit('shared.txt', lines({}), 'trunk: shared');
  fx.gitW('push', '--quiet', 'origin', fx.trunk);
  fx.gitW('checkout', '--quiet', '-B', 'a', fx.trunk);
  fx.commit('shared.txt', lines({ 0: 'line 1 from a' }), 'a: first line');
  fx.gitW('push', '--quiet', 'origin', 'a');
  fx.branch('b', 'a');
}

/** One attribute of every element `selector` finds, in document order. */
async function attributes(page: Page, selector: string, name: string) {
  const found = await page.locator(selector).all();
  return Promise.all(found.map((element) => element.getAttribute(name)));
}

const jobCard = (jobId: string) =>
  `[data-testid=job-card][data-job-id="${jobId}"]`;
const stepRow = (step: string, outcome?: string) =>
  `[data-testid=job-step-row][data-step=${step}]` +
  (outcome ? `[data-outcome=${outcome}]` : '');

/** The job page (`#/jobs/:jobId`) and the live side list in headless Chromium, on real git. */
describe('the job page and the live repo list', () => {
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

  const text = async (page: Page, selector: string) =>
    (await page.locator(selector).first().textContent())?.trim();

  /** A page on `hash` once its streams are up. */
  async function openAt(
    t: TestApp,
    hash: string,
    expected?: ExpectedErrors,
  ): Promise<Page> {
    const page = await session.page(t, expected);
    await page.goto(`${await t.app.getUrl()}/${hash}`);
    await page
      .locator('[data-testid=live-indicator][data-state=live]')
      .waitFor();
    return page;
  }

  /** The job page of `jobId`, once it shows the job in `status`. */
  const jobPage = (page: Page, jobId: string, status?: string) =>
    page
      .locator(
        `[data-testid=job-page][data-job-id="${jobId}"]` +
          (status ? `[data-status=${status}]` : ''),
      )
      .waitFor();

  it('shows a real restack from the job list: its request, live progress while execute waits, each step with start, end and duration, and the branches moved', async () => {
    const gate = new MergeTreeGate(session.dir);
    const t = await session.start({ STACKYARD_GIT_BIN: gate.bin });
    const fx = session.origin();
    contentMergeStack(fx);
    const repoId = await register(t, fx);
    for (const branchName of ['a', 'b'])
      await run(t, repoId, { action: 'register_existing_branch', branchName });
    fx.advance(fx.trunk, 'shared.txt', lines({ 9: 'line 10 from trunk' }));
    const before = { a: fx.originHead('a'), b: fx.originHead('b') };

    const page = await session.openDashboard(t, repoId);
    gate.hold(repoId);
    await page.click('[data-testid=action-restack_repo]');
    const link = page.locator(
      '[data-testid=job-card] [data-testid=job-action]:text-is("restack_repo")',
    );
    await link.waitFor();
    await link.click();
    const jobId = decodeURIComponent(
      new URL(page.url()).hash.replace('#/jobs/', ''),
    );
    expect((await t.job(jobId)).action).toBe('restack_repo');

    // Held in its content merge: execute runs and has said how far it is.
    await jobPage(page, jobId, 'running');
    await page.locator(stepRow('execute', 'running')).waitFor();
    await page.locator('[data-testid=job-progress-bar]').waitFor();
    const running = await t.job(jobId);
    expect(running.progress).toEqual({ done: 0, total: 2 });
    expect(await text(page, '[data-testid=job-progress-text]')).toBe('0/2');
    const bar = page.locator('[data-testid=job-progress-bar]');
    expect([
      await bar.getAttribute('value'),
      await bar.getAttribute('max'),
    ]).toEqual(['0', '2']);
    expect(await text(page, '[data-testid=job-progress-step]')).toBe('execute');
    expect(
      await text(
        page,
        `${stepRow('pre_sync', 'completed')} [data-testid=job-step-duration]`,
      ),
    ).toMatch(/^\d+(\.\d)? (ms|s)$/);
    expect(
      await text(page, `${stepRow('execute')} [data-testid=job-step-duration]`),
    ).toBe('running');
    expect(await text(page, '[data-testid=job-request-actor]')).toBe(
      'org:default',
    );
    expect(await text(page, '[data-testid=job-request-repo]')).toBe('demo');
    // Only while it runs: a cancel button, and no undo.
    await page.locator('[data-testid=job-page-cancel]').waitFor();
    expect(await page.locator('[data-testid=job-page-undo]').count()).toBe(0);

    gate.release(repoId);
    await jobPage(page, jobId, 'completed');
    await t.jobEnd(jobId);
    const done = await t.job(jobId);
    const steps = ['pre_sync', 'execute', 'publish', 'post_sync'];
    for (const step of steps)
      await page.locator(stepRow(step, 'completed')).waitFor();
    expect(
      await attributes(page, '[data-testid=job-step-row]', 'data-step'),
    ).toEqual(steps);
    for (const step of steps) {
      const row = page.locator(stepRow(step));
      expect(
        await row.locator('[data-testid=job-step-start] time').count(),
      ).toBe(1);
      expect(await row.locator('[data-testid=job-step-end] time').count()).toBe(
        1,
      );
      expect(
        await row.locator('[data-testid=job-step-duration]').textContent(),
      ).toMatch(/^\d+(\.\d)? (ms|s)$/);
    }
    expect(await page.locator('[data-testid=job-progress]').count()).toBe(0);
    expect(await page.locator('[data-testid=job-page-cancel]').count()).toBe(0);

    // The branches it moved, before → after, as the job resource and the origin have them.
    expect(done.result!.changed.map((c) => c.branch).sort()).toEqual([
      'a',
      'b',
    ]);
    for (const change of done.result!.changed) {
      const row = page.locator(
        `[data-testid=job-moved-row][data-branch=${change.branch}]`,
      );
      expect(
        await row
          .locator('[data-testid=job-moved-before]')
          .getAttribute('data-sha'),
      ).toBe(change.fromSha);
      expect(
        await row
          .locator('[data-testid=job-moved-after]')
          .getAttribute('data-sha'),
      ).toBe(change.toSha);
      expect(change.fromSha).toBe(before[change.branch as 'a' | 'b']);
      expect(change.toSha).toBe(fx.originHead(change.branch));
    }
    // Every event of its timeline, as GET /jobs/:jobId/events has them.
    const events = (await t.http().get(`/jobs/${jobId}/events`).expect(200))
      .body as { items: Array<{ type: string }> };
    expect(
      await page.locator('[data-testid=job-event-type]').allTextContents(),
    ).toEqual(events.items.map((e) => e.type));
    await page.locator('[data-testid=job-page-undo]').waitFor();

    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it('undoes a completed restack from its page: the undo job shows live to its end, and the origin has the shas from before', async () => {
    const t = await session.start();
    const fx = session.origin();
    fx.stack(['a', 'b']);
    const repoId = await register(t, fx);
    for (const branchName of ['a', 'b'])
      await run(t, repoId, { action: 'register_existing_branch', branchName });
    fx.advance();
    const before = { a: fx.originHead('a'), b: fx.originHead('b') };
    const restack = await run(t, repoId, { action: 'restack_repo' });
    expect(restack.status).toBe('completed');
    expect(fx.originHead('a')).not.toBe(before.a);

    const page = await openAt(t, `#/jobs/${restack.jobId}`);
    await jobPage(page, restack.jobId, 'completed');
    await page.click('[data-testid=job-page-undo]');

    // The page of the new job: an undo of the restack, followed live until it completes.
    const undoPage = page.locator(
      `[data-testid=job-page]:not([data-job-id="${restack.jobId}"])`,
    );
    await undoPage.waitFor();
    const undoId = (await undoPage.getAttribute('data-job-id'))!;
    expect(new URL(page.url()).hash).toBe(`#/jobs/${undoId}`);
    expect(await text(page, '[data-testid=job-page-action]')).toBe('undo');
    expect(await text(page, '[data-testid=job-undo-of]')).toBe(restack.jobId);
    await jobPage(page, undoId, 'completed');
    await t.jobEnd(undoId);
    const undo = await t.job(undoId);
    expect(undo).toMatchObject({ action: 'undo', undoOf: restack.jobId });

    expect({ a: fx.originHead('a'), b: fx.originHead('b') }).toEqual(before);
    for (const branch of ['a', 'b'] as const)
      expect(
        await page
          .locator(
            `[data-testid=job-moved-row][data-branch=${branch}] [data-testid=job-moved-after]`,
          )
          .getAttribute('data-sha'),
      ).toBe(before[branch]);
    for (const step of ['pre_sync', 'execute', 'publish', 'post_sync'])
      await page.locator(stepRow(step, 'completed')).waitFor();

    // Back to the restack's page by the undo's link: it is not undoable twice.
    await page.click('[data-testid=job-undo-of] a');
    await jobPage(page, restack.jobId, 'completed');
  });

  it('cancels a running job from its page, and shows a failed job with its code, branch and conflicted files', async () => {
    const gate = new RepoFetchGate(session.dir);
    const t = await session.start({ STACKYARD_GIT_BIN: gate.bin });
    const fx = session.origin();
    fx.gitW('checkout', '--quiet', '-B', 'a', fx.trunk);
    fx.commit('shared.txt', 'from a\n', 'a: shared');
    fx.gitW('push', '--quiet', 'origin', 'a');
    const repoId = await register(t, fx);
    await run(t, repoId, {
      action: 'register_existing_branch',
      branchName: 'a',
    });

    gate.hold(repoId);
    const held = await act(t, repoId, { action: 'sync_repo' });
    // An unknown job's page is refused with 404, which Chromium logs as a console error.
    const page = await openAt(t, `#/jobs/${held.jobId}`, (e) =>
      /status of 404/.test(e),
    );
    await jobPage(page, held.jobId, 'running');
    await page.locator(stepRow('pre_sync', 'running')).waitFor();
    await page.click('[data-testid=job-page-cancel]');
    await page
      .locator('[data-testid=job-page-cancel][disabled]:text-is("Cancelling…")')
      .waitFor();
    gate.release(repoId);
    await jobPage(page, held.jobId, 'cancelled');
    // A cancel stops a job at its next step boundary: pre_sync ran to its end.
    await page.locator(stepRow('pre_sync', 'completed')).waitFor();
    expect(await page.locator('[data-testid=job-step-row]').count()).toBe(1);
    expect((await t.job(held.jobId)).status).toBe('cancelled');
    expect(
      await page.locator('[data-testid=job-event-type]').allTextContents(),
    ).toEqual(
      expect.arrayContaining([
        'RepoActionCancelRequested',
        'RepoActionCancelled',
      ]),
    );

    fx.advance(fx.trunk, 'shared.txt', 'from main\n');
    const failed = await run(t, repoId, {
      action: 'rebase_branch',
      branchName: 'a',
    });
    expect(failed.status).toBe('error');
    await page.goto(`${await t.app.getUrl()}/#/jobs/${failed.jobId}`);
    await jobPage(page, failed.jobId, 'error');
    expect(await text(page, '[data-testid=job-page-error-code]')).toBe(
      'GIT.CONFLICT',
    );
    expect(await text(page, '[data-testid=job-page-error-branch]')).toBe('a');
    expect(
      await page
        .locator('[data-testid=job-page-error-files] li')
        .allTextContents(),
    ).toEqual(['shared.txt']);
    await page.locator(stepRow('execute', 'failed')).waitFor();
    expect(await page.locator('[data-testid=job-page-undo]').count()).toBe(0);

    await page.goto(`${await t.app.getUrl()}/#/jobs/no-such-job`);
    await page.locator('[data-testid=job-not-found]').waitFor();
    expect(await text(page, '[data-testid=error-code]')).toBe('JOB.NOT_FOUND');
  });

  it('keeps the repo list live on the home page and on a repo page: a repo registered through the API shows up without a reload', async () => {
    const t = await session.start();
    const page = await openAt(t, '');
    expect(await text(page, '[data-testid=live-indicator]')).toBe('live');
    expect(await text(page, '#repo-list')).toBe('No repositories yet.');

    const first = (
      await t
        .http()
        .post('/repos')
        .send({ name: 'from-elsewhere', remoteUrl: session.origin().origin })
        .expect(202)
    ).body as RegisteredRepoResource;
    const item = page.locator(
      `[data-testid=repo-item][data-repo-id="${first.repoId}"]`,
    );
    await item.waitFor();
    expect(await item.locator('a').textContent()).toBe('from-elsewhere');
    await t.jobEnd(first.initialJobId);

    await item.locator('a').click();
    await page.locator('[data-testid=trunk-row]').waitFor();
    await page
      .locator('[data-testid=live-indicator][data-state=live]')
      .waitFor();
    const second = (
      await t
        .http()
        .post('/repos')
        .send({ name: 'another', remoteUrl: session.origin().origin })
        .expect(202)
    ).body as RegisteredRepoResource;
    await page
      .locator(`[data-testid=repo-item][data-repo-id="${second.repoId}"]`)
      .waitFor();
    await t.jobEnd(second.initialJobId);
    expect(
      await page.locator('[data-testid=repo-item] a').allTextContents(),
    ).toEqual(['another', 'from-elsewhere']);
  });

  it("filters a repo's job list by status and action, and keeps the filtered list live", async () => {
    const t = await session.start();
    const fx = session.origin();
    fx.stack(['a']);
    const repoId = await register(t, fx);
    const tracked = await run(t, repoId, {
      action: 'register_existing_branch',
      branchName: 'a',
    });
    const sync = await run(t, repoId, { action: 'sync_repo' });
    const failed = await run(t, repoId, {
      action: 'restack_subtree',
      branchName: 'gone',
    });
    expect(failed.status).toBe('error');
    const page = await session.openDashboard(t, repoId);
    const shown = () =>
      attributes(page, '[data-testid=job-card]', 'data-job-id');
    await page.locator(jobCard(failed.jobId)).waitFor();

    await page.selectOption('[data-testid=job-filter-action]', 'sync_repo');
    await page.locator(jobCard(tracked.jobId)).waitFor({ state: 'detached' });
    const initialSync = (
      await t.http().get(`/repos/${repoId}/jobs?action=sync_repo`).expect(200)
    ).body as { items: JobResource[] };
    expect(await shown()).toEqual(initialSync.items.map((j) => j.jobId));
    expect(await shown()).toContain(sync.jobId);

    // Live, through the filter: a new sync shows up, a restack does not.
    const next = await act(t, repoId, { action: 'sync_repo' });
    const restack = await act(t, repoId, { action: 'restack_repo' });
    await page
      .locator(`${jobCard(next.jobId)}[data-status=completed]`)
      .waitFor();
    await t.jobEnd(restack.jobId);
    expect(await shown()).not.toContain(restack.jobId);

    await page.selectOption('[data-testid=job-filter-action]', '');
    await page.selectOption('[data-testid=job-filter-status]', 'error');
    await page.locator(jobCard(next.jobId)).waitFor({ state: 'detached' });
    expect(await shown()).toEqual([failed.jobId]);

    await page.selectOption('[data-testid=job-filter-action]', 'sync_repo');
    await page.locator('[data-testid=job-list-empty]').waitFor();
    expect(await text(page, '[data-testid=job-list-empty]')).toBe(
      'No job matches.',
    );

    // Each card links to its job's page.
    await page.selectOption('[data-testid=job-filter-status]', '');
    await page
      .locator(`${jobCard(next.jobId)} [data-testid=job-action]`)
      .click();
    await jobPage(page, next.jobId, 'completed');
  });
});
