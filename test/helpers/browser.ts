/**
 * A real headless Chromium for the browser tests (test/browser/), driven by playwright-core.
 * playwright-core ships no browser: it drives the system's Chromium (Debian's `chromium` package,
 * which .ci/run installs when missing), so no browser is downloaded at test time.
 * API: https://playwright.dev/docs/api/class-browsertype#browser-type-launch
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** `CHROMIUM_PATH` overrides; else the Debian package's path. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: install it (apt-get install chromium) or set CHROMIUM_PATH.`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true });
}

/** What a page did that a test wants to be empty: console errors, uncaught exceptions, requests. */
export interface PageWatch {
  /** Console messages of type error, and uncaught exceptions. */
  errors: string[];
  /** Every request the page made, as URLs (the document itself included). */
  requests: string[];
  /** URLs refused because they left the allowed origin (or file), each once. */
  blocked: string[];
}

/**
 * Records errors and requests of every page in `context`, and aborts any request for which
 * `allowed(url)` is false, so a page that reaches for a CDN is both caught and kept offline.
 * `context.route` sees http(s) requests; `page.on('request')` also sees file: and data: ones.
 */
export async function watchContext(context: BrowserContext, allowed: (url: string) => boolean): Promise<PageWatch> {
  const watch: PageWatch = { errors: [], requests: [], blocked: [] };
  // Both hooks may see the same request; each refused URL is listed once.
  const block = (url: string) => {
    if (!watch.blocked.includes(url)) watch.blocked.push(url);
  };
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (allowed(url)) await route.continue();
    else {
      block(url);
      await route.abort('blockedbyclient');
    }
  });
  const onPage = (page: Page) => {
    page.on('console', (m) => {
      if (m.type() === 'error') watch.errors.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => watch.errors.push(`uncaught: ${e.message}`));
    page.on('request', (r) => {
      watch.requests.push(r.url());
      if (!allowed(r.url())) block(r.url());
    });
  };
  context.on('page', onPage);
  for (const p of context.pages()) onPage(p);
  return watch;
}
