/**
 * Issue 12 "Done when": the example suite (examples/evals/local-vs-cloud.yaml) runs through a real
 * gateway whose config (examples/evals/meridian.yaml) points a "local" and a "cloud" deployment at
 * the mock server; the verdict, the per-target figures, the stored run and every reporter are
 * checked, and the CLI gates on the threshold.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { registerEvalCommands, type EvalCliIo } from '../../src/eval/cli.js';
import { loadSuite } from '../../src/eval/load-suite.js';
import { renderHtml } from '../../src/eval/reporters/html.js';
import { renderJunit } from '../../src/eval/reporters/junit.js';
import { renderPretty } from '../../src/eval/reporters/pretty.js';
import { runEval } from '../../src/eval/runner.js';
import type { EvalRun } from '../../src/eval/types.js';
import { startMockServer, type MockServer } from '../../src/mock/server.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const examples = fileURLToPath(new URL('../../examples/evals/', import.meta.url));

function captureIo(env: NodeJS.ProcessEnv): EvalCliIo & { out: string[]; err: string[]; code: number } {
  const io = {
    out: [] as string[],
    err: [] as string[],
    code: 0,
    stdout: { write: (t: string) => io.out.push(t) },
    stderr: { write: (t: string) => io.err.push(t), isTTY: true },
    env,
    setExitCode: (c: number) => {
      io.code = c;
    },
  };
  return io;
}

describe('the local-vs-cloud example through a gateway in front of the mock', () => {
  let mock: MockServer;
  let gw: RunningGateway;
  let run: EvalRun;
  const tmp = mkdtempSync(join(tmpdir(), 'meridian-eval-'));

  before(async () => {
    mock = await startMockServer({ rulesFile: `${examples}mock.rules.yaml` });
    const raw = parseYaml(
      readFileSync(`${examples}meridian.yaml`, 'utf8').replaceAll('${MOCK_URL:-http://127.0.0.1:4010}', mock.url),
    ) as Record<string, unknown>;
    gw = await startGateway({ ...raw, router: { healthIntervalMs: 0 } });
    run = await runEval(loadSuite(`${examples}local-vs-cloud.yaml`), { baseUrl: `${gw.url}/v1` });
  });
  after(async () => {
    await gw?.close();
    await mock?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('runs every case on both targets; cloud passes all, local fails the tool and factuality cases', () => {
    assert.equal(run.cases.length, 9, run.cases.map((c) => c.key).join(', '));
    assert.equal(run.results.length, 18);
    const cloud = run.targets.find((t) => t.target === 'cloud')!;
    const local = run.targets.find((t) => t.target === 'local')!;
    assert.equal(cloud.passed, 9, renderPretty(run));
    assert.equal(local.passed, 7, renderPretty(run));
    const localFailures = run.results.filter((r) => r.target === 'local' && !r.pass).map((r) => r.caseKey);
    assert.deepEqual(localFailures.sort(), ['support / hamlet', 'support / weather tool']);
    assert.ok(
      run.results.every((r) => r.error === undefined && r.route),
      'every cell was answered through the gateway',
    );
  });

  it('reports cost from x-meridian-cost-usd, tokens and latency per target', () => {
    for (const t of run.targets) {
      assert.equal(t.costUnknown, 0);
      assert.ok(t.costUsd > 0, `${t.target} cost`);
      assert.ok(t.tokens.prompt > 0 && t.tokens.completion > 0);
    }
    const cloud = run.targets.find((t) => t.target === 'cloud')!;
    const local = run.targets.find((t) => t.target === 'local')!;
    assert.ok(local.costUsd < cloud.costUsd / 10, `${local.costUsd} vs ${cloud.costUsd}`);
    assert.ok(run.results.find((r) => r.target === 'local')!.route!.startsWith('local-engine/mock-small'));
  });

  it('states the verdict: share of what cloud passes that local passes, at what fraction of its cost', () => {
    assert.equal(run.verdicts.length, 1);
    const v = run.verdicts[0]!;
    assert.equal(v.reference, 'cloud');
    assert.equal(v.candidate, 'local');
    assert.equal(v.referencePassed, 9);
    assert.equal(v.bothPassed, 7);
    assert.equal(v.share, 0.7778);
    const local = run.targets.find((t) => t.target === 'local')!;
    const cloud = run.targets.find((t) => t.target === 'cloud')!;
    assert.ok(Math.abs(v.costRatio! - local.costUsd / cloud.costUsd) < 1e-6);
    assert.match(v.text, /^local passes 78% of what cloud passes \(7\/9\) at \d+(\.\d)?% of its cost$/);
    assert.ok(run.ok, 'both targets are above the 0.7 threshold');
  });

  it('the pretty report has the matrix, the failures with their outputs and the verdict', () => {
    const text = renderPretty(run);
    assert.match(text, /support \/ hamlet\s+✗ 0\.\d+\s+✓ 1\.00/);
    assert.match(text, /\[local\] support \/ hamlet/);
    assert.match(text, /output: "Hamlet was written by a committee of monks in 1850\."/);
    assert.match(text, /Verdict: local passes 78% of what cloud passes/);
    assert.match(text, /^PASS/m);
  });

  it('the JUnit report has one suite per target and a failure per failed case', () => {
    const xml = renderJunit(run);
    assert.match(xml, /<testsuite name="local" tests="9" failures="2" errors="0"/);
    assert.match(xml, /<testsuite name="cloud" tests="9" failures="0" errors="0"/);
    assert.equal((xml.match(/<failure /g) ?? []).length, 2);
  });

  it('the HTML report is self-contained: grid of case × target, no external resources', () => {
    const html = renderHtml(run);
    assert.match(html, /^<!DOCTYPE html>/);
    assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)=/i, 'no external script, stylesheet or image');
    assert.doesNotMatch(html, /https?:\/\/(?!127\.0\.0\.1)/, 'no URL other than the gateway it ran against');
    assert.equal((html.match(/<tr class="case/g) ?? []).length, 9);
    assert.equal((html.match(/<td class="cell /g) ?? []).length, 18);
    assert.equal((html.match(/<td class="cell fail"/g) ?? []).length, 2);
    assert.match(html, /<th>local<\/th><th>cloud<\/th>/);
    assert.match(html, /class="verdict">local passes 78% of what cloud passes/);
    assert.match(html, /Hamlet was written by a committee of monks in 1850\./);
    assert.match(html, /<div class="gate pass">PASS<\/div>/);
  });

  it('the CLI writes every report, saves the run, and exits 1 when a target is below the threshold', async () => {
    const out = join(tmp, 'reports');
    const results = join(tmp, 'runs');
    const io = captureIo({ MERIDIAN_BASE_URL: `${gw.url}/v1` });
    const program = new Command().exitOverride();
    registerEvalCommands(program, io);
    await program.parseAsync(
      ['eval', `${examples}local-vs-cloud.yaml`, '--reporter', 'pretty,json,junit,html', '--out', out, '--results-dir', results],
      {
        from: 'user',
      },
    );
    assert.equal(io.code, 0, io.out.join(''));
    // On a terminal: a progress line rewritten in place, ending at 18/18, then cleared.
    const err = io.err.join('');
    assert.match(err, /\r\x1b\[2K {2}eval 0\/18 {2}0 passed, 0 failed/);
    assert.match(err, /\r\x1b\[2K {2}eval 18\/18 {2}16 passed, 2 failed\r\x1b\[2K/);
    assert.deepEqual(readdirSync(out).sort(), ['junit.xml', 'report.html', 'report.json', 'report.txt']);
    const saved = readdirSync(results);
    assert.equal(saved.length, 1);
    const stored = JSON.parse(readFileSync(join(results, saved[0]!), 'utf8')) as EvalRun;
    assert.equal(stored.version, 1);
    assert.equal(stored.results.length, 18);

    // The same suite with a gate local cannot meet: exit code 1.
    const strict = join(tmp, 'strict.yaml');
    const suiteText = readFileSync(`${examples}local-vs-cloud.yaml`, 'utf8')
      .replace('threshold: 0.7 #', 'threshold: 0.9 #')
      .replaceAll('file://', `file://${examples}`);
    (await import('node:fs')).writeFileSync(strict, suiteText);
    const io2 = captureIo({ MERIDIAN_BASE_URL: `${gw.url}/v1` });
    const program2 = new Command().exitOverride();
    registerEvalCommands(program2, io2);
    await program2.parseAsync(['eval', strict, '--no-save'], { from: 'user' });
    assert.equal(io2.code, 1);
    assert.match(io2.out.join(''), /FAIL {2}local 77\.8% < 90%/);
  });
});
