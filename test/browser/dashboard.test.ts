/**
 * The operator dashboard (web/, served at /ui) in a real headless Chromium against a real gateway:
 * it signs in with the master key, lists the requests, shows a request's feedback and episode,
 * filters by episode, and shows feedback per prompt version and per deployment over the chosen
 * window. A hostile feedback comment and episode id are rendered as text, never as markup; the
 * page logs no error and makes no request outside the gateway.
 * The API behind it is tested in test/integration/ui-feedback.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, watchContext, type PageWatch } from '../helpers/browser.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const MASTER = 'master-key-for-browser-tests-0123';
const HOSTILE_COMMENT = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script> & "it" broke';
/** Episode ids are printable ASCII without spaces (src/gateway/context.ts): markup still fits. */
const HOSTILE_EPISODE = '<img/src=x/onerror=window.__xss=3><b/id=injected>';

describe('the dashboard in headless Chromium', () => {
  let gw: RunningGateway;
  let browser: Browser;
  let page: Page;
  let watch: PageWatch;
  const ids: Record<string, string> = {};

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  async function chat(name: string, model: string, episode?: string): Promise<void> {
    const res = await post(
      '/v1/chat/completions',
      { model, messages: [{ role: 'user', content: `hello from ${name}` }] },
      episode ? { 'x-meridian-episode': episode } : {},
    );
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    ids[name] = res.headers.get('x-request-id')!;
  }
  const rows = () => page.locator('#requests tr.row');
  const rowOf = (name: string) => page.locator(`#requests tr.row[data-id="${ids[name]}"]`);
  /** The detail row a click on `name`'s row opens. */
  const detailOf = (name: string) => rowOf(name).locator('xpath=following-sibling::tr[1][contains(@class, "detail")]');
  /** Opens `name`'s detail unless it is open (a click toggles it). */
  async function openDetail(name: string) {
    if ((await detailOf(name).count()) === 0) await rowOf(name).click();
    return detailOf(name);
  }
  /** Exactly `n` rows: the page replaces all rows at once, so row n-1 present and row n absent is the new list. */
  async function waitForRows(n: number) {
    await rows().nth(n).waitFor({ state: 'detached' });
    await rows()
      .nth(n - 1)
      .waitFor({ state: 'attached' });
  }
  // The page's CSP forbids eval, so page code is passed as functions (run by CDP), never as strings.
  const xss = () => page.evaluate(() => (globalThis as { __xss?: unknown }).__xss);

  before(async () => {
    gw = await startGateway(
      {
        providers: [{ id: 'mock', type: 'mock', location: 'local' }],
        models: { chat: [{ provider: 'mock', model: 'mock-small' }] },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
    const pushed = await post(
      '/admin/prompts',
      { name: 'support', prompt: { type: 'text', template: 'Be brief.', model: 'chat' } },
      { authorization: `Bearer ${MASTER}` },
    );
    assert.equal(pushed.status, 201);
    await chat('prompted', 'prompt:support', 'ep-browser');
    await chat('plain', 'chat', 'ep-browser');
    await chat('other', 'chat', 'ep-other');
    await chat('hostile', 'chat', HOSTILE_EPISODE);
    await chat('alone', 'chat');
    const fb = async (name: string, body: Record<string, unknown>) =>
      assert.equal((await post('/v1/feedback', { request_id: ids[name], ...body })).status, 201);
    await fb('prompted', { score: 0.25, label: 'wrong-tone', comment: HOSTILE_COMMENT });
    await fb('plain', { score: 1, label: 'resolved' });

    browser = await launchChromium();
    const context = await browser.newContext();
    watch = await watchContext(context, (url) => url.startsWith(`${gw.url}/`));
    page = await context.newPage();
    // The fragment never reaches the server; app.js moves it to sessionStorage (web/api.js).
    await page.goto(`${gw.url}/ui#key=${MASTER}`);
    await page.locator('#kpi-requests .kpi-value', { hasText: '5' }).waitFor();
    // No refresh every 15 s under the test's feet (it re-renders the rows and closes their details).
    await page.locator('#auto').uncheck();
  });
  after(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('signs in from the fragment and lists every request', async () => {
    assert.equal(await page.locator('#gate').isVisible(), false);
    assert.ok(await page.locator('#dashboard').isVisible());
    assert.equal(new URL(page.url()).hash, '', 'the key left the address bar');
    assert.equal(await page.locator('.kpi').first().locator('.kpi-value').textContent(), '5');
    await page.getByRole('link', { name: 'Requests' }).click();
    await waitForRows(5);
    assert.equal(new URL(page.url()).hash, '#/requests');
    assert.equal(await rows().count(), 5);
  });

  it("a request's detail shows its episode and its feedback, the hostile comment as plain text", async () => {
    const detail = await openDetail('prompted');
    await detail.locator('.feedback-list').waitFor();
    assert.equal(await detail.locator('dd .episode').textContent(), 'ep-browser');
    const items = detail.locator('.feedback-list li');
    assert.equal(await items.count(), 1);
    assert.equal(await items.locator('.fb-score').textContent(), 'score 0.25');
    assert.equal(await items.locator('.fb-label').textContent(), 'wrong-tone');
    assert.equal(await items.locator('.fb-comment').textContent(), HOSTILE_COMMENT);
    assert.equal(await detail.locator('img, script').count(), 0, 'the comment made no element');
    assert.equal(await xss(), undefined, 'no script ran');
    assert.match((await detail.locator('dl').textContent())!, /Prompt version\s*support@1/);

    const none = await openDetail('alone');
    await none.locator('.feedback-of', { hasText: 'none given' }).waitFor();
    assert.equal(await none.locator('dd .episode').count(), 0, 'no episode, no episode line');
  });

  it('a hostile episode id is shown as text', async () => {
    const detail = await openDetail('hostile');
    await detail.locator('.feedback-of', { hasText: 'none given' }).waitFor();
    assert.equal(await detail.locator('dd .episode').textContent(), HOSTILE_EPISODE);
    assert.equal(await page.locator('#injected').count(), 0);
    assert.equal(await detail.locator('img').count(), 0);
    assert.equal(await xss(), undefined);
  });

  it('"show its requests" filters by episode; clearing the field lists everything again', async () => {
    await (await openDetail('prompted')).getByRole('button', { name: 'show its requests' }).click();
    await waitForRows(2);
    assert.equal(await page.locator('#f-episode').inputValue(), 'ep-browser');
    const shown = await rows().evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id')));
    assert.deepEqual(shown.sort(), [ids.prompted, ids.plain].sort());
    assert.match((await page.locator('#status-line').textContent())!, /2 requests shown of episode ep-browser/);

    await page.locator('#f-episode').fill('ep-other');
    await page.locator('#f-episode').press('Enter');
    await waitForRows(1);
    assert.equal(await rows().first().getAttribute('data-id'), ids.other);

    await page.locator('#f-episode').fill('');
    await page.locator('#f-episode').press('Enter');
    await waitForRows(5);
  });

  it('the Feedback view aggregates per prompt version and per deployment, over the chosen window', async () => {
    const table = (id: string) =>
      page
        .locator(`#${id} tbody tr`)
        .evaluateAll((trs) => trs.map((tr) => Array.from(tr.children, (td) => (td as { textContent: string }).textContent)));
    assert.deepEqual((await table('fb-by-prompt')).sort(), [
      ['(no prompt)', '1', '1', 'resolved ×1'],
      ['support@1', '1', '0.25', 'wrong-tone ×1'],
    ]);
    assert.deepEqual(await table('fb-by-deployment'), [['mock/mock-small', '2', '0.625', 'resolved ×1wrong-tone ×1']]);

    const sinceAsked = () =>
      watch.requests
        .filter((u) => u.includes('/admin/feedback/summary?'))
        .map((u) => Date.parse(new URL(u).searchParams.get('since')!))
        .at(-1)!;
    const weekAgo = Date.now() - 7 * 86_400_000;
    assert.ok(Math.abs(sinceAsked() - weekAgo) < 120_000, 'the default window is the last 7 days');
    const answered = page.waitForResponse((r) => r.url().includes('/admin/feedback/summary?'));
    await page.locator('#fb-window').selectOption('1h');
    await answered;
    assert.ok(Math.abs(sinceAsked() - (Date.now() - 3_600_000)) < 120_000, 'the last hour after choosing it');
    assert.equal((await table('fb-by-deployment')).length, 1, 'the feedback of the last hour is still there');
  });

  it('logged no error and made no request outside the gateway', () => {
    assert.deepEqual(watch.errors, []);
    assert.deepEqual(watch.blocked, []);
    assert.ok(watch.requests.some((u) => u.includes('/admin/feedback?request_id=')));
  });
});
