import type { Browser } from 'playwright-core';
import { subscriptionStream } from '../src/domain/streams';
import type { CreatedSubscriptionResource } from '../src/read-models/subscription/subscription.resource';
import { eventIn } from './support/await-event';
import { launchChromium } from './support/browser';
import { DashboardSession, register } from './support/dashboard-session';
import { WebhookReceiver } from './support/webhook-receiver';

/** The org page of the dashboard (`#/subscriptions`) in headless Chromium. */
describe("the dashboard's outbound webhooks page", () => {
  let browser: Browser;
  let session: DashboardSession;
  let receiver: WebhookReceiver | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser.close());

  beforeEach(() => {
    session = new DashboardSession(browser);
  });

  afterEach(async () => {
    await receiver?.close();
    expect(await session.dispose()).toEqual([]);
  });

  it('lists the subscriptions with their state and recent deliveries, and resumes a paused one', async () => {
    receiver = await WebhookReceiver.start();
    let down = true;
    receiver.answer = () => (down ? 503 : 200);
    const t = await session.start({
      STACKYARD_WEBHOOK_HOSTS: `127.0.0.1:${receiver.port}`,
      STACKYARD_WEBHOOK_RETRY_BASE_MS: '5',
      STACKYARD_WEBHOOK_RETRY_CAP_MS: '20',
      STACKYARD_WEBHOOK_PAUSE_AFTER_MS: '100',
    });
    const created = (
      await t
        .http()
        .post('/subscriptions')
        .send({ url: receiver.url })
        .expect(201)
    ).body as CreatedSubscriptionResource;
    await register(t, session.origin());
    await eventIn(
      t.store,
      subscriptionStream(created.subscriptionId),
      'SubscriptionPaused',
    );

    const page = await session.page(t);
    await page.goto(`${await t.app.getUrl()}/#/subscriptions`);
    const card = page.locator(
      `[data-testid=subscription][data-subscription-id="${created.subscriptionId}"]`,
    );
    await card
      .locator('[data-testid=subscription-state]', { hasText: 'paused' })
      .waitFor();
    expect(
      await card.locator('[data-testid=subscription-url]').textContent(),
    ).toBe(receiver.url);
    expect(
      await card
        .locator('[data-testid=subscription-paused-reason]')
        .textContent(),
    ).toContain('HTTP 503');
    await card
      .locator('[data-testid=subscription-delivery]', { hasText: 'HTTP 503' })
      .first()
      .waitFor();
    await page
      .locator('[data-testid=live-indicator][data-state=live]')
      .waitFor();

    // The receiver is back; Resume, and the page shows it active and deliveries go on.
    down = false;
    await card.locator('[data-testid=subscription-resume]').click();
    await card
      .locator('[data-testid=subscription-state]', { hasText: 'active' })
      .waitFor();
    await receiver.until((r) => r.some((d) => d.answered === 200));
    expect(await page.content()).not.toContain(created.secret!);
  });
});
