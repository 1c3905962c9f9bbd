// The Privacy view: what the guard found (entity types and counts, never values) and what it did
// (allow, pseudonymize, local-only, block) over the window, from GET /admin/timeseries and
// GET /admin/summary.
import { admin } from './api.js';
import { cssVar, drawChart, summarize } from './charts.js';
import { $, barList, empty, h, int, kpi } from './dom.js';

const PALETTE = ['--bad', '--accent', '--warn', '--private', '--local', '--cloud', '--muted'];
const color = (i) => cssVar(PALETTE[i % PALETTE.length]);
const ACTION_COLORS = { allow: '--ok', pseudonymize: '--warn', 'local-only': '--private', block: '--bad' };

/** Keys of per-bucket maps, largest total first, with their totals. */
function totals(buckets, field) {
  const t = {};
  for (const b of buckets) for (const [k, n] of Object.entries(b[field])) t[k] = (t[k] ?? 0) + n;
  return Object.entries(t).sort((a, b) => b[1] - a[1]);
}

export async function loadPrivacy(since, stale) {
  const [summary, series] = await Promise.all([admin('/admin/summary', { since }), admin('/admin/timeseries', { since })]);
  if (stale()) return undefined;
  const types = totals(series.buckets, 'pii');
  const actions = totals(series.buckets, 'guard');
  const action = (a) => actions.find(([k]) => k === a)?.[1] ?? 0;
  const findings = types.reduce((a, [, n]) => a + n, 0);
  $('privacy-kpis').replaceChildren(
    kpi('Requests with PII', int(summary.totals.piiRequests), `of ${int(summary.totals.requests)} requests`, '', 'kpi-pii-requests'),
    kpi('Findings', int(findings), `${types.length} entity types`, '', 'kpi-findings'),
    kpi('Pseudonymized', int(action('pseudonymize')), 'requests sent with placeholders', '', 'kpi-pseudonymized'),
    kpi('Kept local', int(action('local-only')), 'requests routed to local only', '', 'kpi-local-only'),
    kpi('Blocked', int(action('block')), 'requests refused', action('block') ? 'has-errors' : '', 'kpi-blocked'),
  );
  $('privacy-types').replaceChildren(types.length ? barList(types.map(([key, value]) => ({ key, value })), { tone: 'pii' }) : empty('No PII found in this window.'));
  $('privacy-actions').replaceChildren(actions.length ? barList(actions.map(([key, value]) => ({ key, value }))) : empty('The guard ran on no request in this window.'));
  const x = series.buckets.map((b) => Date.parse(b.start) / 1000);
  const lines = (list, field, colorOf) => list.map(([k], i) => ({ label: k, color: colorOf(k, i), values: series.buckets.map((b) => b[field][k] ?? 0) }));
  const piiLines = lines(types, 'pii', (_k, i) => color(i));
  // Each action its own meaning: allow is fine (green), block is an alert (red).
  const guardLines = lines(actions, 'guard', (k, i) => (ACTION_COLORS[k] ? cssVar(ACTION_COLORS[k]) : color(i)));
  await Promise.all([
    piiLines.length
      ? drawChart($('chart-pii'), { x, series: piiLines, format: int, summary: 'PII findings over time by type. ' + piiLines.map((s) => summarize(s.label, x, s.values, int)).join('; ') })
      : Promise.resolve($('chart-pii').replaceChildren(empty('No PII found in this window.'))),
    guardLines.length
      ? drawChart($('chart-guard'), { x, series: guardLines, format: int, summary: 'Guard actions over time. ' + guardLines.map((s) => summarize(s.label, x, s.values, int)).join('; ') })
      : Promise.resolve($('chart-guard').replaceChildren(empty('The guard ran on no request in this window.'))),
  ]);
  return `${int(findings)} findings in the window`;
}
