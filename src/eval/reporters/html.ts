/**
 * A self-contained HTML report: summary per target, verdicts, and a grid (case × target) whose
 * cells open to show the output and each assertion. Everything is inline (no CDN, no external
 * fetch), so the file can be attached to a CI run and opened offline. Works without JavaScript;
 * the small inline script only adds the "failures only" filter.
 */
import type { CellResult, EvalRun } from '../types.js';
import { cellIndex, formatUsd, percent } from './pretty.js';

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d1d1f;background:#fafafa}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.meta{color:#666;margin-bottom:16px}
table{border-collapse:collapse;background:#fff}
th,td{border:1px solid #ddd;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f0}
.gate{display:inline-block;padding:4px 10px;border-radius:4px;font-weight:600;color:#fff}
.gate.pass{background:#1a7f37}.gate.fail{background:#cf222e}
.verdict{font-weight:600}
td.cell.pass{background:#e6f4ea}td.cell.fail{background:#fde7e9}td.cell.error{background:#fff4ce}
td.cell summary{cursor:pointer;white-space:nowrap}
pre{white-space:pre-wrap;word-break:break-word;max-width:520px;margin:6px 0;font-size:12px;background:#f6f8fa;padding:6px}
ul.assertions{margin:4px 0;padding-left:18px;font-size:12px}
li.ok{color:#1a7f37}li.bad{color:#cf222e}
body.failures-only tr.case.all-pass{display:none}
`;

const SCRIPT = `
document.getElementById('failures-only').addEventListener('change',function(e){
  document.body.classList.toggle('failures-only',e.target.checked);
});
`;

function cellHtml(r: CellResult | undefined): string {
  if (!r) return '<td class="cell missing">—</td>';
  const state = r.error ? 'error' : r.pass ? 'pass' : 'fail';
  const mark = r.error ? '!' : r.pass ? '✓' : '✗';
  const cost = r.costUsd === undefined ? 'cost ?' : formatUsd(r.costUsd);
  const assertions = r.assertions
    .map(
      (a) => `<li class="${a.pass ? 'ok' : 'bad'}">${a.pass ? '✓' : '✗'} ${escapeHtml(a.name)} (${a.score}): ${escapeHtml(a.reason)}</li>`,
    )
    .join('');
  return (
    `<td class="cell ${state}" data-target="${escapeHtml(r.target)}"><details><summary>${mark} ${r.score.toFixed(2)} · ${r.latencyMs}ms · ${cost}</summary>` +
    (r.error ? `<pre class="error">${escapeHtml(r.error)}</pre>` : `<pre class="output">${escapeHtml(r.output)}</pre>`) +
    (assertions ? `<ul class="assertions">${assertions}</ul>` : '') +
    (r.route ? `<div class="route">${escapeHtml(r.route)}</div>` : '') +
    `</details></td>`
  );
}

export function renderHtml(run: EvalRun): string {
  const title = run.suite.description ?? run.suite.file;
  const summary = run.targets
    .map(
      (t) =>
        `<tr data-target="${escapeHtml(t.target)}"><td>${escapeHtml(t.target)}</td><td>${escapeHtml(t.model)}</td><td>${t.passed}/${t.cases} (${percent(t.passRate)})</td>` +
        `<td>${t.meanScore.toFixed(2)}</td><td>${formatUsd(t.costUsd)}${t.costUnknown ? ` (+${t.costUnknown} unknown)` : ''}</td><td>${t.meanLatencyMs}ms</td><td>${t.p95LatencyMs}ms</td>` +
        `<td>${t.tokens.prompt} / ${t.tokens.completion}</td><td>${percent(t.threshold)} ${t.meetsThreshold ? '✓' : '✗'}</td></tr>`,
    )
    .join('\n');
  const cellFor = cellIndex(run);
  const grid = run.cases
    .map((c) => {
      const cells = run.targets.map((t) => cellFor(c.key, t.target));
      const allPass = cells.every((r) => r?.pass);
      return `<tr class="case${allPass ? ' all-pass' : ''}" data-case="${escapeHtml(c.key)}"><th scope="row">${escapeHtml(c.key)}</th>${cells.map(cellHtml).join('')}</tr>`;
    })
    .join('\n');
  const verdicts = run.verdicts.map((v) => `<p class="verdict">${escapeHtml(v.text)}.</p>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`Meridian eval: ${title}`)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<div class="meta">run ${escapeHtml(run.runId)} · ${escapeHtml(run.startedAt)} · ${run.durationMs}ms · ${escapeHtml(run.baseUrl)}</div>
<div class="gate ${run.ok ? 'pass' : 'fail'}">${run.ok ? 'PASS' : 'FAIL'}</div>
${verdicts}
<h2>Targets</h2>
<table class="summary">
<thead><tr><th>target</th><th>model</th><th>passed</th><th>mean score</th><th>cost</th><th>mean latency</th><th>p95 latency</th><th>tokens in / out</th><th>threshold</th></tr></thead>
<tbody>
${summary}
</tbody>
</table>
<h2>Cases</h2>
<label><input type="checkbox" id="failures-only"> failures only</label>
<table class="grid">
<thead><tr><th>case</th>${run.targets.map((t) => `<th>${escapeHtml(t.target)}</th>`).join('')}</tr></thead>
<tbody>
${grid}
</tbody>
</table>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
