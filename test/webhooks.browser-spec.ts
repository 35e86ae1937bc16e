import type { Browser } from 'playwright-core';
import { launchChromium } from './support/browser';
import { DashboardSession, register } from './support/dashboard-session';
import { aGithubPush, deliverGithub } from './support/github-hook';

const SECRET = 'browser-hook-secret-0123456789';

/** The dashboard's view of forge hooks, in headless Chromium on the in-process app. */
describe('the dashboard and webhooks', () => {
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
    expect(await session.dispose()).toEqual([]);
  });

  it('shows on the repo page whether a secret is set and autoRestack, and the last delivery as soon as it arrives', async () => {
    const t = await session.start();
    const fx = session.origin();
    fx.stack(['feature-a']);
    const repoId = await register(t, fx);
    const page = await session.openDashboard(t, repoId);
    const text = async (id: string) =>
      (await page.locator(`[data-testid=${id}]`).textContent())?.trim();

    expect(await text('webhook-secret')).toBe('not set');
    expect(await text('auto-restack')).toBe('off');
    expect(await text('last-webhook')).toBe('none');

    await t
      .http()
      .put(`/repos/${repoId}/webhook-secret`)
      .send({ webhookSecret: SECRET })
      .expect(200);
    await t
      .http()
      .put(`/repos/${repoId}/settings`)
      .send({ autoRestack: true })
      .expect(200);
    await page
      .locator('[data-testid=webhook-secret]', { hasText: /^set$/ })
      .waitFor();
    await page
      .locator('[data-testid=auto-restack]', { hasText: 'on' })
      .waitFor();

    const before = fx.originHead('main');
    const after = fx.advance();
    const answer = await deliverGithub(t, repoId, {
      secret: SECRET,
      payload: aGithubPush({
        ref: 'refs/heads/main',
        before,
        after,
        cloneUrl: fx.origin,
      }),
    }).expect(202);
    // The page learns of the delivery from the live stream, without a reload.
    await page
      .locator('[data-testid=last-webhook]', { hasText: 'push → sync queued' })
      .waitFor();
    await t.jobEnd((answer.body as { jobId: string }).jobId);
    // The secret itself is nowhere on the page.
    expect(await page.content()).not.toContain(SECRET);
  });
});
