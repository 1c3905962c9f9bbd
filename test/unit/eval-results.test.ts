/** Verdict arithmetic, saved runs, `eval compare`, and escaping in the JUnit and HTML reporters. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { ConfigError } from '../../src/errors.js';
import { registerEvalCommands } from '../../src/eval/cli.js';
import { compareRuns, renderComparison } from '../../src/eval/compare.js';
import { renderHtml } from '../../src/eval/reporters/html.js';
import { renderJunit } from '../../src/eval/reporters/junit.js';
import { listRuns, loadRun, saveRun } from '../../src/eval/results-store.js';
import { summarizeTarget, verdicts } from '../../src/eval/summary.js';
import type { CellResult, EvalRun } from '../../src/eval/types.js';

const dir = mkdtempSync(join(tmpdir(), 'meridian-eval-results-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function cell(target: string, caseKey: string, pass: boolean, costUsd?: number, score = pass ? 1 : 0): CellResult {
  return {
    caseKey,
    target,
    model: target,
    pass,
    score,
    output: `${target} says ${caseKey}`,
    latencyMs: 10,
    tokens: { prompt: 3, completion: 2, total: 5 },
    assertions: pass ? [] : [{ type: 'contains', name: 'contains', pass: false, score: 0, weight: 1, reason: 'does not contain "x"' }],
    ...(costUsd !== undefined ? { costUsd } : {}),
  };
}

function makeRun(runId: string, results: CellResult[], threshold = 0.5): EvalRun {
  const labels = [...new Set(results.map((r) => r.target))];
  const targets = labels.map((l) => summarizeTarget({ model: l, label: l, config: {} }, results, threshold));
  const keys = [...new Set(results.map((r) => r.caseKey))];
  return {
    version: 1,
    runId,
    suite: { file: 'suite.yaml', description: 'demo <suite>' },
    startedAt: '2026-12-01T00:00:00.000Z',
    durationMs: 5,
    baseUrl: 'http://127.0.0.1:4000/v1',
    cases: keys.map((k) => ({ key: k, prompt: 'p', description: k, vars: {} })),
    targets,
    results,
    verdicts: verdicts(targets, 'cloud', results),
    ok: targets.every((t) => t.meetsThreshold),
  };
}

describe('verdict', () => {
  it('share = cases both pass / cases the reference passes; cost ratio of totals', () => {
    const results = [
      cell('cloud', 'a', true, 0.01),
      cell('cloud', 'b', true, 0.01),
      cell('cloud', 'c', true, 0.01),
      cell('cloud', 'd', false, 0.01),
      cell('local', 'a', true, 0.0004),
      cell('local', 'b', false, 0.0004),
      cell('local', 'c', true, 0.0004),
      cell('local', 'd', true, 0.0004), // passing where cloud fails does not raise the share
    ];
    const [v] = makeRun('r', results).verdicts;
    assert.equal(v!.referencePassed, 3);
    assert.equal(v!.bothPassed, 2);
    assert.equal(v!.share, 0.6667);
    assert.equal(v!.costRatio, 0.04);
    assert.equal(v!.text, 'local passes 67% of what cloud passes (2/3) at 4% of its cost');
  });

  it('says so when the reference passes nothing or its cost is unknown', () => {
    const [v] = makeRun('r', [cell('cloud', 'a', false), cell('local', 'a', true, 0.001)]).verdicts;
    assert.equal(v!.share, undefined);
    assert.equal(v!.costRatio, undefined);
    assert.match(v!.text, /cloud passes none, so there is nothing to compare; cloud's cost is unknown or zero/);
  });

  it('per-target figures: pass rate, threshold gate, unknown costs counted', () => {
    const t = summarizeTarget(
      { model: 'm', label: 'local', config: {}, threshold: 0.75 },
      [cell('local', 'a', true), cell('local', 'b', false, 0.5)],
      1,
    );
    assert.deepEqual([t.passRate, t.threshold, t.meetsThreshold, t.costUsd, t.costUnknown], [0.5, 0.75, false, 0.5, 1]);
  });
});

describe('saved runs and compare', () => {
  const runsDir = join(dir, 'runs');
  const a = makeRun('20261201T000000Z-aaaa', [
    cell('local', 'x', true),
    cell('local', 'y', false),
    cell('local', 'z', true, undefined, 1),
    cell('local', 'gone', true),
  ]);
  const b = makeRun('20261201T010000Z-bbbb', [
    cell('local', 'x', false),
    cell('local', 'y', true),
    { ...cell('local', 'z', true), score: 0.8 },
    cell('local', 'new', true),
  ]);

  it('saves one JSON file per run and loads by id, path, latest and previous', () => {
    saveRun(b, runsDir);
    const pathA = saveRun(a, runsDir);
    assert.deepEqual(listRuns(runsDir), [a.runId, b.runId]);
    assert.equal(loadRun('latest', runsDir).runId, b.runId);
    assert.equal(loadRun('previous', runsDir).runId, a.runId);
    assert.equal(loadRun(a.runId, runsDir).runId, a.runId);
    assert.equal(loadRun(pathA, runsDir).runId, a.runId);
    writeFileSync(join(runsDir, 'junk.json'), '{"hello":1}');
    assert.throws(() => loadRun('junk', runsDir), /not a saved eval run/);
    assert.throws(() => loadRun('../../etc', runsDir), /not a run id|Cannot read/);
  });

  it('lists regressions with B’s reasons and output, fixes, score changes, and cases in one run only', () => {
    const c = compareRuns(a, b);
    assert.deepEqual(
      c.regressions.map((r) => [r.caseKey, r.scoreA, r.scoreB]),
      [['x', 1, 0]],
    );
    assert.deepEqual(c.regressions[0]!.reasons, ['contains: does not contain "x"']);
    assert.deepEqual(
      c.fixes.map((f) => f.caseKey),
      ['y'],
    );
    assert.deepEqual(
      c.scoreChanges.map((s) => [s.caseKey, s.delta]),
      [['z', -0.2]],
    );
    assert.deepEqual(c.onlyInA, ['local / gone']);
    assert.deepEqual(c.onlyInB, ['local / new']);
    const text = renderComparison(c);
    assert.match(text, /Regressions \(passed in A, fail in B\): 1\n {2}✗ \[local\] x {2}score 1 → 0/);
    assert.match(text, /output: "local says x"/);
  });

  it('`meridian eval compare` exits 1 on a regression and 0 without', async () => {
    const run = async (x: string, y: string) => {
      let code = 0;
      const out: string[] = [];
      const program = new Command().exitOverride();
      registerEvalCommands(program, {
        stdout: { write: (t: string) => out.push(t) },
        stderr: { write: () => true },
        env: {},
        setExitCode: (c) => (code = c),
      });
      await program.parseAsync(['eval', 'compare', x, y, '--results-dir', runsDir], { from: 'user' });
      return { code, out: out.join('') };
    };
    const regressed = await run('previous', 'latest');
    assert.equal(regressed.code, 1);
    assert.match(regressed.out, /Regressions \(passed in A, fail in B\): 1/);
    assert.equal((await run('latest', 'latest')).code, 0);
  });
});

describe('reporters escape what models say', () => {
  const hostile = makeRun('r', [
    { ...cell('cloud', '<b>&case</b>', false, 0.01), output: '</pre><script>alert("x")</script>' },
    cell('local', '<b>&case</b>', true, 0.001),
  ]);

  it('HTML: no markup from outputs or case names, no external resources', () => {
    const html = renderHtml(hostile);
    assert.ok(!html.includes('<script>alert'), 'output is escaped');
    assert.ok(html.includes('&lt;/pre&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'));
    assert.ok(html.includes('&lt;b&gt;&amp;case&lt;/b&gt;'));
    assert.equal((html.match(/<script>/g) ?? []).length, 1, 'only the inline filter script');
    assert.match(html, /<title>Meridian eval: demo &lt;suite&gt;<\/title>/);
  });

  it('JUnit: well-formed attribute and body escaping', () => {
    const xml = renderJunit(hostile);
    assert.match(xml, /<testcase classname="eval.cloud" name="&lt;b&gt;&amp;case&lt;\/b&gt;"/);
    assert.ok(xml.includes('&lt;/pre&gt;&lt;script&gt;'));
    assert.match(xml, /<testsuites name="meridian eval demo &lt;suite&gt;" tests="2" failures="1" errors="0"/);
  });
});

describe('command line', () => {
  it('bad options are ConfigErrors (exit 2), never the "below threshold" exit 1', async () => {
    for (const args of [
      ['--reporter', 'pdf'],
      ['--base-url', 'ftp://x'],
      ['--base-url', 'http://user:pw@127.0.0.1/v1'],
      ['--concurrency', '0'],
      ['--timeout', 'soon'],
    ]) {
      const program = new Command().exitOverride();
      registerEvalCommands(program, { stdout: { write: () => true }, stderr: { write: () => true }, env: {}, setExitCode: () => {} });
      await assert.rejects(program.parseAsync(['eval', 'suite.yaml', ...args], { from: 'user' }), ConfigError, args.join(' '));
    }
  });
});
