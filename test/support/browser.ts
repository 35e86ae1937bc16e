import { type Browser, chromium, type Page } from 'playwright-core';

/** The system's Chromium (Debian's `chromium` package): playwright-core brings no browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless Chromium with its background services (updates, sync, field trials) off. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A page and everything that went wrong in it. */
export interface WatchedPage {
  page: Page;
  /** Uncaught exceptions, console errors and blocked requests, in order. */
  errors: string[];
}

/**
 * A page in a fresh context (its own localStorage) that may only reach `origin`: any
 * other request is aborted and recorded. Uncaught exceptions and console errors are
 * recorded too, so that a test can fail on them; `expected` lets a test name the console
 * errors it provokes on purpose (a network error while the service restarts).
 */
export async function openPage(
  browser: Browser,
  origin: string,
  expected: (text: string) => boolean = () => false,
): Promise<WatchedPage> {
  const context = await browser.newContext({
    viewport: { width: 1400, height: 900 },
    colorScheme: 'light',
  });
  const page = await context.newPage();
  const errors: string[] = [];
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    errors.push(`blocked request to ${url}`);
    return route.abort('blockedbyclient');
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = `${message.text()} (${message.location().url})`;
    if (!expected(text)) errors.push(`console error: ${text}`);
  });
  return { page, errors };
}
