/**
 * Issue 12 "Done when": the example suite (examples/evals/local-vs-cloud.yaml) runs through a
 * gateway in front of the mock, `meridian eval --reporter html,json --out …` writes the report, and
 * the HTML report is opened from disk in a real headless Chromium: the grid, the summary, the
 * verdict, the "failures only" filter and a cell's details are checked as a user sees them, with
 * no console error and no request leaving the file (the report must work offline, no CDN).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command } from 'commander';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { parse as parseYaml } from 'yaml';
import { registerEvalCommands } from '../../src/eval/cli.js';
import { formatUsd, percent } from '../../src/eval/reporters/pretty.js';
import type { EvalRun } from '../../src/eval/types.js';
import { startMockServer, type MockServer } from '../../src/mock/server.js';
import { launchChromium, watchContext, type PageWatch } from '../helpers/browser.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const examples = fileURLToPath(new URL('../../examples/evals/', import.meta.url));

/** Runs the example suite with the CLI, as CI would, and returns the written report folder. */
async function runExample(gatewayUrl: string, out: string): Promise<number> {
  let code = 0;
  const io = {
    stdout: { write: () => true },
    stderr: { write: () => true },
    env: { MERIDIAN_BASE_URL: `${gatewayUrl}/v1` },
    setExitCode: (c: number) => {
      code = c;
    },
  };
  const program = new Command().exitOverride();
  registerEvalCommands(program, io);
  await program.parseAsync(['eval', `${examples}local-vs-cloud.yaml`, '--reporter', 'html,json', '--out', out, '--no-save'], {
    from: 'user',
  });
  return code;
}

describe('the example eval report in headless Chromium', () => {
  let mock: MockServer;
  let gw: RunningGateway;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let watch: PageWatch;
  let run: EvalRun;
  let reportUrl: string;
  const tmp = mkdtempSync(join(tmpdir(), 'meridian-eval-browser-'));

  before(async () => {
    mock = await startMockServer({ rulesFile: `${examples}mock.rules.yaml` });
    const raw = parseYaml(
      readFileSync(`${examples}meridian.yaml`, 'utf8').replaceAll('${MOCK_URL:-http://127.0.0.1:4010}', mock.url),
    ) as Record<string, unknown>;
    gw = await startGateway({ ...raw, router: { healthIntervalMs: 0 } });
    const out = join(tmp, 'report');
    assert.equal(await runExample(gw.url, out), 0, 'the example suite passes its gate');
    run = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as EvalRun;
    reportUrl = pathToFileURL(join(out, 'report.html')).href;
    // The gateway is no longer needed: the report must not talk to it (or anything else).
    await gw.close();
    await mock.close();

    browser = await launchChromium();
    context = await browser.newContext({ offline: true, javaScriptEnabled: true });
    watch = await watchContext(context, (url) => url === reportUrl);
    page = await context.newPage();
    await page.goto(reportUrl, { waitUntil: 'load' });
  });
  after(async () => {
    await browser?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('shows the gate, the title and the verdict line', async () => {
    assert.equal(await page.title(), `Meridian eval: ${run.suite.description}`);
    assert.equal((await page.locator('h1').textContent())?.trim(), 'Support assistant, local vs cloud');
    const gate = page.locator('.gate');
    assert.equal(await gate.textContent(), 'PASS');
    assert.ok(await gate.isVisible());
    assert.equal(run.verdicts.length, 1);
    const verdict = page.locator('p.verdict');
    assert.equal(await verdict.count(), 1);
    assert.equal(await verdict.textContent(), `${run.verdicts[0]!.text}.`);
    assert.match((await verdict.textContent())!, /^local passes 78% of what cloud passes \(7\/9\) at \d+(\.\d)?% of its cost\.$/);
  });

  it('renders one summary row per target with its pass rate and cost', async () => {
    const rows = page.locator('table.summary tbody tr');
    assert.equal(await rows.count(), run.targets.length);
    for (const t of run.targets) {
      const cells = await page.locator(`table.summary tr[data-target="${t.target}"] td`).allTextContents();
      assert.equal(cells[0], t.target);
      assert.equal(cells[1], t.model);
      assert.equal(cells[2], `${t.passed}/${t.cases} (${percent(t.passRate)})`);
      assert.equal(cells[4], formatUsd(t.costUsd));
      assert.ok(t.costUsd > 0, `${t.target} has a cost`);
    }
    const byTarget = Object.fromEntries(run.targets.map((t) => [t.target, t]));
    assert.equal(byTarget.local!.passed, 7);
    assert.equal(byTarget.cloud!.passed, 9);
  });

  it('the grid has a row per case and a cell per target × case, in suite order', async () => {
    const header = await page.locator('table.grid thead th').allTextContents();
    assert.deepEqual(header, ['case', ...run.targets.map((t) => t.target)]);
    const rows = page.locator('table.grid tbody tr.case');
    assert.equal(await rows.count(), run.cases.length);
    assert.equal(run.cases.length, 9);
    const keys = [] as (string | null)[];
    for (const tr of await rows.all()) keys.push(await tr.getAttribute('data-case'));
    assert.deepEqual(
      keys,
      run.cases.map((c) => c.key),
    );
    for (const c of run.cases) {
      const cells = page.locator(`tr.case[data-case="${c.key}"] td.cell`);
      assert.equal(await cells.count(), run.targets.length, c.key);
      for (let i = 0; i < run.targets.length; i++) {
        const target = run.targets[i]!.target;
        const result = run.results.find((r) => r.caseKey === c.key && r.target === target)!;
        const cell = cells.nth(i);
        assert.equal(await cell.getAttribute('data-target'), target);
        assert.equal(await cell.getAttribute('class'), `cell ${result.pass ? 'pass' : 'fail'}`, `${c.key} on ${target}`);
        assert.ok((await cell.locator('summary').textContent())!.startsWith(result.pass ? '✓' : '✗'));
      }
    }
  });

  it('"failures only" hides the rows where every target passed, and shows them again', async () => {
    const visible = async () => {
      const shown = [] as (string | null)[];
      for (const tr of await page.locator('table.grid tbody tr.case').all())
        if (await tr.isVisible()) shown.push(await tr.getAttribute('data-case'));
      return shown;
    };
    const failing = run.cases.filter((c) => run.results.some((r) => r.caseKey === c.key && !r.pass)).map((c) => c.key);
    assert.deepEqual([...failing].sort(), ['support / hamlet', 'support / weather tool']);
    assert.equal((await visible()).length, run.cases.length);
    await page.getByLabel('failures only').check();
    assert.deepEqual(await visible(), failing);
    assert.equal(await page.locator('tr.case[data-case="support / capital"]').isVisible(), false);
    await page.getByLabel('failures only').uncheck();
    assert.equal((await visible()).length, run.cases.length);
  });

  it("a cell's details open to show its output and assertions", async () => {
    const cell = page.locator('tr.case[data-case="support / hamlet"] td.cell[data-target="local"]');
    const output = cell.locator('pre.output');
    assert.equal(await output.isVisible(), false, 'closed until clicked');
    await cell.locator('summary').click();
    assert.ok(await output.isVisible());
    assert.equal(await output.textContent(), 'Hamlet was written by a committee of monks in 1850.');
    const failed = cell.locator('ul.assertions li.bad');
    assert.ok((await failed.count()) >= 1);
    assert.match((await failed.first().textContent())!, /factuality/);
    assert.ok(await cell.locator('.route').isVisible());
    assert.match((await cell.locator('.route').textContent())!, /^local-engine\/mock-small/);
  });

  it('made no request other than the file itself and logged no error', () => {
    assert.deepEqual(watch.errors, []);
    assert.deepEqual(watch.blocked, []);
    assert.deepEqual([...new Set(watch.requests)], [reportUrl]);
  });

  it('the watch would have caught an external resource (control)', async () => {
    const probe = await context.newPage();
    const before = watch.blocked.length;
    await probe.goto(reportUrl);
    // A string, so this Node-side file needs no DOM types; it runs in the page.
    await probe.evaluate(`new Promise((resolve) => {
      const img = document.createElement('img');
      img.addEventListener('error', resolve);
      img.src = 'https://cdn.example.com/pixel.png';
      document.body.append(img);
    })`);
    assert.deepEqual(watch.blocked.slice(before), ['https://cdn.example.com/pixel.png']);
    await probe.close();
    watch.blocked.length = before;
  });
});
