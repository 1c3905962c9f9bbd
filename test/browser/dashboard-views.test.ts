/**
 * Every view of the operator dashboard (web/, served at /ui) in a real headless Chromium against a
 * gateway that has served mixed traffic (mock local + cloud deployments, upstream errors, PII
 * pseudonymized, a secret blocked, a request a policy kept local: test/helpers/dashboard-traffic.ts).
 * The numbers shown are checked against the request log fetched from the admin API; a key is
 * created (its secret shown once), its limits edited and it is revoked; hostile names render as
 * text; no view scrolls sideways at 1440 px or 390 px; screenshots of each view at both widths
 * go to $DASHBOARD_SCREENSHOTS (default test-results/dashboard, gitignored).
 * The endpoints behind the views: test/integration/ui-dashboard.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, watchContext, type PageWatch } from '../helpers/browser.js';
import { DASHBOARD_MASTER, startMixedGateway, type MixedTraffic } from '../helpers/dashboard-traffic.js';
import type { RunningGateway } from '../helpers/gateway.js';
import type { ApiKeyRecord, RequestLogEntry } from '../../src/store/types.js';

const SHOTS = process.env.DASHBOARD_SCREENSHOTS ?? join('test-results', 'dashboard');
const VIEWS = ['overview', 'requests', 'providers', 'cost', 'privacy', 'keys'] as const;
type View = (typeof VIEWS)[number];
const HOSTILE_TENANT = '<img src=x onerror="window.__xss=1"><b id=injected>t</b>';
const auth = { authorization: `Bearer ${DASHBOARD_MASTER}` };

// The page's number formats (web/dom.js), so what is shown can be compared with the log.
const int = (n: number) => Math.round(n).toLocaleString('en-US');
function usd(v: number): string {
  if (v === 0) return '$0';
  if (v >= 100) return '$' + v.toFixed(0);
  if (v >= 1) return '$' + v.toFixed(2);
  if (v >= 0.01) return '$' + v.toFixed(4);
  return '$' + v.toFixed(6);
}
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

// Page-side probes, as script text: the page's code runs in the browser (no DOM types here).
/** How far the page scrolls sideways, and which table wrappers of the shown view scroll sideways. */
const OVERFLOW_PROBE = `({
  page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  tables: Array.from(document.querySelectorAll('.view:not([hidden]) .table-wrap'))
    .filter((w) => w.scrollWidth > w.clientWidth + 1)
    .map((w) => w.querySelector('table')?.id || w.parentElement?.id || '?'),
})`;
/** Every visible text in the header and the shown view whose contrast with its background is under 4.5:1 (WCAG AA). */
const CONTRAST_PROBE = String.raw`(() => {
  const rgb = (c) => (c.match(/[\d.]+/g) ?? []).map(Number);
  const lum = ([r, g, b]) => [r, g, b]
    .map((v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4))
    .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const out = [];
  for (const el of document.querySelectorAll('header *, .view:not([hidden]) *')) {
    const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.offsetParent || el.closest('.uplot')) continue;
    const fg = lum(rgb(getComputedStyle(el).color));
    const bg = lum(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    if (ratio < 4.5) out.push(el.tagName + '.' + el.className + ' "' + el.textContent.trim().slice(0, 30) + '" ' + ratio.toFixed(2));
  }
  return [...new Set(out)];
})()`;

describe('the dashboard views in headless Chromium, after mixed traffic', () => {
  let gw: RunningGateway & { traffic: MixedTraffic };
  let browser: Browser;
  let page: Page;
  let watch: PageWatch;
  let log: RequestLogEntry[];

  const api = async <T>(path: string): Promise<T> => (await (await fetch(`${gw.url}${path}`, { headers: auth })).json()) as T;
  const text = async (selector: string) => ((await page.locator(selector).first().textContent()) ?? '').trim();
  const kpi = (id: string) => text(`#${id} .kpi-value`);
  const xss = () => page.evaluate(() => (globalThis as { __xss?: unknown }).__xss);

  /** Shows a view through its nav link and waits until its data is on screen. */
  async function go(view: View): Promise<void> {
    await page.locator('#status-line').evaluate((el) => {
      el.textContent = '';
    });
    await page.locator(`#nav a[data-view="${view}"]`).click();
    await page.locator('#status-line', { hasText: /^Updated/ }).waitFor();
    assert.equal(await page.locator(`#view-${view}`).isVisible(), true);
    assert.equal(await page.locator(`#nav a[data-view="${view}"]`).getAttribute('aria-current'), 'page');
  }

  before(async () => {
    gw = await startMixedGateway();
    // A tenant whose name is markup: it must show as text in every view.
    const made = await fetch(`${gw.url}/admin/keys`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: HOSTILE_TENANT }),
    });
    const { key } = (await made.json()) as { key: string };
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'local', messages: [{ role: 'user', content: 'hi from a hostile tenant' }] }),
    });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    log = (await api<{ data: RequestLogEntry[] }>('/admin/requests?limit=1000')).data;
    mkdirSync(SHOTS, { recursive: true });

    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    watch = await watchContext(context, (url) => url.startsWith(`${gw.url}/`));
    page = await context.newPage();
    await page.goto(`${gw.url}/ui#key=${DASHBOARD_MASTER}`);
    await page.locator('#status-line', { hasText: /^Updated/ }).waitFor();
    // No refresh every 15 s under the test's feet.
    await page.locator('#auto').uncheck();
  });
  after(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('Overview: totals match the request log, and the charts over time are drawn by the bundled uPlot', async () => {
    assert.equal(await kpi('kpi-requests'), int(log.length));
    assert.equal(await kpi('kpi-errors'), int(log.filter((r) => r.status >= 400).length));
    assert.equal(await kpi('kpi-spend'), usd(sum(log.map((r) => r.costUsd ?? 0))));
    assert.equal(await kpi('kpi-pii'), int(log.filter((r) => Object.keys(r.pii ?? {}).length > 0).length));
    for (const id of ['chart-requests', 'chart-latency', 'chart-tokens', 'chart-spend']) {
      assert.equal(await page.locator(`#${id} canvas`).count(), 1, id);
      assert.equal(await page.locator(`#${id}`).getAttribute('role'), 'img');
    }
    // The chart's text alternative carries the per-location totals.
    const label = (await page.locator('#chart-requests').getAttribute('aria-label'))!;
    for (const loc of ['local', 'cloud'])
      assert.match(label, new RegExp(`${loc}: total ${log.filter((r) => r.location === loc).length}\\b`), label);
    assert.ok(watch.requests.some((u) => u.endsWith('/ui/vendor/uplot.esm.js')));
    const local = page.locator('#locations tr[data-key="local"] td');
    assert.equal(((await local.nth(1).textContent()) ?? '').trim(), int(log.filter((r) => r.location === 'local').length));
    assert.equal(await page.locator('#by-tenant td.name', { hasText: HOSTILE_TENANT }).count(), 1, 'the hostile tenant, as text');
  });

  it("Requests: the log is listed, searchable, and a request's story shows its plan, attempts, guard and cost", async () => {
    await go('requests');
    const rows = page.locator('#requests tr.row');
    assert.equal(await rows.count(), log.length);
    await page.locator('#f-search').fill('pii_blocked');
    assert.equal(await rows.count(), 1, 'search: the blocked request only');
    await rows.first().focus();
    await page.keyboard.press('Enter'); // keyboard opens the story
    const blocked = page.locator('#requests tr.detail').first();
    await blocked.locator('.feedback-of', { hasText: 'none given' }).waitFor();
    assert.equal(((await blocked.locator('.story-guard .chip').first().textContent()) ?? '').trim(), 'block');
    assert.match((await blocked.locator('.story-guard').textContent())!, /secret ×2/);
    assert.equal(await rows.first().getAttribute('aria-expanded'), 'true');

    await page.locator('#f-search').fill('confidential-stays-local');
    assert.equal(await rows.count(), 1);
    await rows.first().click();
    const kept = page.locator('#requests tr.detail').first();
    await kept.locator('.excluded-list li').first().waitFor();
    const excluded = (await kept.locator('.excluded-list li').first().textContent())!;
    assert.match(excluded, /mock-cloud\/gpt-test\s*confidential-stays-local\s*location 'cloud' not in \[local\]/);
    const logged = log.find((r) => r.routeReason === 'confidential-stays-local')!;
    assert.match((await kept.locator('dl').textContent())!, new RegExp(`Cost\\s*\\${usd(logged.costUsd!)}`));

    // A refused request says why: the rule that excluded its only candidate.
    await page.locator('#f-search').fill('cloud-only');
    assert.equal(await rows.count(), 1);
    await rows.first().click();
    const refused = page.locator('#requests tr.detail').first();
    await refused.locator('.excluded-list li').first().waitFor();
    assert.match((await refused.locator('.excluded-list').textContent())!, /mock-cloud\/gpt-test\s*confidential-stays-local/);
    assert.match((await refused.locator('dl').textContent())!, /Route\s*not routed/);

    await page.locator('#f-search').fill('upstream_error');
    assert.equal(await rows.count(), log.filter((r) => r.errorCode === 'upstream_error').length);
    await rows.first().click();
    const failed = page.locator('#requests tr.detail').first();
    await failed.locator('.attempts li').first().waitFor();
    assert.equal(await failed.locator('.story-plan ol.attempts li.failed').count(), 2, 'both deployments tried and failed');
    await failed.screenshot({ path: join(SHOTS, 'request-story-1440.png') });
    await page.locator('#f-search').fill('');
    assert.equal(await rows.count(), log.length);
    assert.equal(await page.locator('#injected').count(), 0);
  });

  it('Providers: each deployment with its health, breaker, load, measured speed and price', async () => {
    await go('providers');
    const live = (await api<{ data: { id: string; samples: number }[] }>('/admin/providers')).data;
    const rows = page.locator('#providers-table tbody tr');
    assert.equal(await rows.count(), live.length);
    const cloud = page.locator('#providers-table tr[data-id="mock-cloud/gpt-test"] td');
    assert.equal(((await cloud.nth(2).textContent()) ?? '').trim(), 'up');
    assert.equal(((await cloud.nth(3).textContent()) ?? '').trim(), 'closed');
    assert.equal(((await cloud.nth(8).textContent()) ?? '').trim(), int(live.find((d) => d.id === 'mock-cloud/gpt-test')!.samples));
    assert.equal(((await cloud.nth(9).textContent()) ?? '').trim(), '$2.5 / $10');
    assert.equal(await kpi('kpi-queue'), '0');
  });

  it('Cost: spend, all-cloud and all-local match the log; budgets show how close each one is; break-even drawn', async () => {
    await go('cost');
    const spent = sum(log.map((r) => r.costUsd ?? 0));
    assert.equal(await kpi('kpi-cost-actual'), usd(spent));
    const tokens = { in: sum(log.map((r) => r.promptTokens ?? 0)), out: sum(log.map((r) => r.completionTokens ?? 0)) };
    const allCloud = (tokens.in * 2.5 + tokens.out * 10) / 1e6; // every token at the cloud price
    assert.ok(Math.abs(Number((await kpi('kpi-cost-cloud')).slice(1)) - allCloud) <= 1e-6, `all-cloud ≈ ${allCloud}`);
    const acme = page.locator('#budgets-table tr[data-subject="acme"][data-metric="usd"]');
    assert.match((await acme.textContent())!, /of \$5\.00/);
    assert.equal(await page.locator('#budgets-table meter').count(), await page.locator('#budgets-table tbody tr').count());
    assert.equal(await page.locator('#chart-cost-days canvas').count(), 1);
    assert.equal(await page.locator('#chart-breakeven canvas').count(), 1);
    assert.match((await page.locator('#breakeven-note').textContent())!, /Break-even: [\d.]+[kM]? output tokens\/day/);
    const byModel = await page
      .locator('#cost-model-table tbody td[data-usd]')
      .evaluateAll((tds) => tds.map((td) => Number(td.getAttribute('data-usd'))));
    assert.ok(Math.abs(sum(byModel) - spent) < 1e-9);
  });

  it('Privacy: findings by type and the actions taken match the log', async () => {
    await go('privacy');
    const findings = sum(log.flatMap((r) => Object.values(r.pii ?? {})));
    assert.ok(findings > 0);
    assert.equal(await kpi('kpi-findings'), int(findings));
    assert.equal(await kpi('kpi-blocked'), int(log.filter((r) => r.guardAction === 'block').length));
    assert.equal(await kpi('kpi-pseudonymized'), int(log.filter((r) => r.guardAction === 'pseudonymize').length));
    const email = sum(log.map((r) => r.pii?.email ?? 0));
    assert.equal(((await page.locator('#privacy-types li[data-key="email"] .bar-value').textContent()) ?? '').trim(), int(email));
    assert.equal(await page.locator('#chart-pii canvas').count(), 1);
    assert.equal(await page.locator('#chart-guard canvas').count(), 1);
  });

  it('Keys: create (the secret shown once), edit limits, revoke', async () => {
    await go('keys');
    const before = (await api<{ data: ApiKeyRecord[] }>('/admin/keys')).data.length;
    assert.equal(await page.locator('#keys-table tbody tr').count(), before);
    assert.equal(await page.locator('#keys-table td', { hasText: HOSTILE_TENANT }).count(), 1);
    await page.locator('#k-tenant').fill('browser-team');
    await page.locator('#k-name').fill('from the dashboard');
    await page.locator('#k-rpm').fill('30');
    await page.locator('#k-usd').fill('2.5');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = ((await page.locator('#new-key-secret').textContent()) ?? '').trim();
    assert.match(secret, /^mk-[A-Za-z0-9]{32}$/);
    const keys = (await api<{ data: ApiKeyRecord[] }>('/admin/keys')).data;
    const created = keys.find((k) => k.tenant === 'browser-team')!;
    assert.deepEqual([created.name, created.rpm, created.budget], ['from the dashboard', 30, { usd: 2.5, period: 'day', mode: 'hard' }]);
    assert.ok(secret.startsWith(created.prefix));
    const chat = () =>
      fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'local', messages: [{ role: 'user', content: 'hi' }] }),
      }).then(async (r) => (await r.arrayBuffer(), r.status));
    assert.equal(await chat(), 200, 'the shown secret works');
    await page.screenshot({ path: join(SHOTS, 'keys-created-1440.png'), fullPage: true });

    const row = page.locator(`#keys-table tr[data-id="${created.id}"]`);
    await row.getByRole('button', { name: 'Edit limits' }).click();
    await page.locator(`#e-rpm-${created.id}`).fill('7');
    await page.locator(`#e-models-${created.id}`).fill('local, smart');
    await page.locator(`#e-policy-${created.id}`).selectOption('local-only');
    await page.locator(`#e-usd-${created.id}`).fill('');
    await page.getByRole('button', { name: 'Save limits' }).click();
    await row.locator('td', { hasText: '7 req/min' }).waitFor();
    const edited = (await api<{ data: ApiKeyRecord[] }>('/admin/keys')).data.find((k) => k.id === created.id)!;
    assert.deepEqual([edited.rpm, edited.budget, edited.models, edited.dataPolicy], [7, undefined, ['local', 'smart'], 'local-only']);

    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByRole('button', { name: /^Confirm revoke/ }).click();
    await row.locator('td', { hasText: 'revoked' }).waitFor();
    assert.ok((await api<{ data: ApiKeyRecord[] }>('/admin/keys')).data.find((k) => k.id === created.id)!.revokedAt);
    assert.equal(await chat(), 401, 'a revoked key is refused');

    // Shown once: leaving the view forgets it.
    await go('overview');
    await go('keys');
    assert.equal(await page.locator('#new-key-secret').count(), 0);
    assert.equal(await page.content().then((html) => html.includes(secret)), false);
  });

  it('no view scrolls sideways at 1440 px or 390 px; tables fit at 1440 px; screenshots saved', async () => {
    for (const width of [1440, 390]) {
      await page.setViewportSize({ width, height: width > 1000 ? 900 : 844 });
      for (const view of VIEWS) {
        await go(view);
        const overflow = await page.evaluate<{ page: number; tables: string[] }>(OVERFLOW_PROBE);
        assert.ok(overflow.page <= 0, `${view} at ${width}px scrolls sideways by ${overflow.page}px`);
        if (width === 1440) assert.deepEqual(overflow.tables, [], `${view} at ${width}px: tables scroll sideways`);
        await page.screenshot({ path: join(SHOTS, `${view}-${width}.png`), fullPage: true });
      }
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('text has at least 4.5:1 contrast against what is behind it, in every view, light and dark', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      for (const view of VIEWS) {
        await go(view);
        const low = await page.evaluate<string[]>(CONTRAST_PROBE);
        assert.deepEqual(low, [], `${view} (${colorScheme}): low contrast`);
        if (colorScheme === 'dark') await page.screenshot({ path: join(SHOTS, `${view}-dark-1440.png`), fullPage: true });
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('keyboard: a skip link first, then the views; every form control has a label', async () => {
    // A fresh load (the key stays in the tab's sessionStorage), so focus starts at the top.
    await page.goto('about:blank');
    await page.goto(`${gw.url}/ui#/overview`);
    await page.locator('#status-line', { hasText: /^Updated/ }).waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement?.textContent'), 'Skip to content');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement?.textContent'), 'Overview');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.locator('#view-requests').waitFor({ state: 'visible' });
    const unlabeled = await page.evaluate<string[]>(
      "Array.from(document.querySelectorAll('input, select, textarea')).filter((el) => !el.labels?.length && !el.getAttribute('aria-label')).map((el) => el.id)",
    );
    assert.deepEqual(unlabeled, []);
    assert.equal(await page.locator('header.topbar').count(), 1);
    assert.equal(await page.locator('nav[aria-label]').count(), 1);
    assert.equal(await page.locator('main').count(), 1);
  });

  it('rendered every hostile name as text, logged no error and made no request outside the gateway', async () => {
    assert.equal(await xss(), undefined);
    assert.equal(await page.locator('#injected').count(), 0);
    assert.deepEqual(watch.errors, []);
    assert.deepEqual(watch.blocked, []);
  });
});
