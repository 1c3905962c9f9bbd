// The Overview view: totals and splits from GET /admin/summary and the same window over time from
// GET /admin/timeseries (requests and errors, latency and TTFT percentiles, tokens, spend, each
// split local / private / cloud), drawn with uPlot (./charts.js).
import { admin } from './api.js';
import { cssVar, drawChart, summarize } from './charts.js';
import { $, barList, clock, compact, empty, groupTable, h, int, kpi, locationBadge, ms, pct, usd } from './dom.js';

const LOCATIONS = ['local', 'private', 'cloud'];

function renderKpis(s) {
  const t = s.totals;
  const byLoc = Object.fromEntries(s.byLocation.map((g) => [g.key, g]));
  const spendSplit = LOCATIONS.filter((l) => byLoc[l]?.costUsd).map((l) => `${l} ${usd(byLoc[l].costUsd)}`).join(' · ') || 'nothing spent';
  $('kpis').replaceChildren(
    kpi('Requests', int(t.requests), `since ${clock(s.since)}`, '', 'kpi-requests'),
    kpi('Errors', int(t.errors), t.requests ? `${pct(t.errors, t.requests)} of requests` : 'no requests', t.errors ? 'has-errors' : '', 'kpi-errors'),
    kpi('Spend', usd(t.costUsd), spendSplit, '', 'kpi-spend'),
    kpi('Tokens', compact(t.promptTokens + t.completionTokens), `in ${compact(t.promptTokens)} · out ${compact(t.completionTokens)}` + (t.estimatedTokenRequests ? ` · ${int(t.estimatedTokenRequests)} est.` : ''), '', 'kpi-tokens'),
    kpi('Latency', ms(t.requests ? t.avgLatencyMs : null), 'average · TTFT ' + ms(t.avgTtftMs), '', 'kpi-latency'),
    kpi('PII', int(t.piiRequests), `requests · ${int(Object.values(s.pii).reduce((a, b) => a + b, 0))} findings`, '', 'kpi-pii'),
  );
}

function renderLocations(s) {
  const total = s.totals.requests;
  if (!total) return $('locations').replaceChildren(empty('No requests in this window.'));
  const byLoc = Object.fromEntries(s.byLocation.map((g) => [g.key, g]));
  const keys = [...LOCATIONS, ...(byLoc[''] ? [''] : [])];
  const bar = h('div', { class: 'stack', role: 'img', 'aria-label': 'requests by location: ' + keys.filter((k) => byLoc[k]).map((k) => `${k || 'not routed'} ${byLoc[k].requests}`).join(', ') },
    keys.filter((k) => byLoc[k]).map((k) => h('span', { class: 'seg loc-' + (k || 'none'), style: { width: (100 * byLoc[k].requests) / total + '%' }, title: `${k || 'not routed'}: ${byLoc[k].requests}` })));
  const rows = keys.map((k) => {
    const g = byLoc[k] ?? { requests: 0, errors: 0, costUsd: 0, promptTokens: 0, completionTokens: 0 };
    return h('tr', { class: g.requests ? '' : 'dim', 'data-key': k || 'none' },
      h('td', {}, locationBadge(k)),
      h('td', { class: 'num' }, int(g.requests)),
      h('td', { class: 'num muted' }, pct(g.requests, total)),
      h('td', { class: 'num' }, compact(g.promptTokens + g.completionTokens), h('span', { class: 'muted' }, ' tok')),
      h('td', { class: 'num' }, usd(g.costUsd)));
  });
  $('locations').replaceChildren(bar, h('table', { class: 'compact' }, h('caption', { class: 'sr-only' }, 'Requests, tokens and cost by location'), h('tbody', {}, rows)));
}

function renderSummary(s) {
  renderKpis(s);
  renderLocations(s);
  $('reasons').replaceChildren(s.byReason.length ? barList(s.byReason.map((g) => ({ key: g.key, value: g.requests, errors: g.errors })), { none: 'not routed' }) : empty('No route decisions in this window.'));
  const pii = Object.entries(s.pii).map(([key, value]) => ({ key, value })).sort((a, b) => b.value - a.value);
  $('pii').replaceChildren(...(pii.length
    ? [barList(pii, { tone: 'pii' }), h('p', { class: 'muted small' }, `${int(s.totals.piiRequests)} of ${int(s.totals.requests)} requests carried PII.`)]
    : [empty('No PII found in this window.')]));
  $('by-alias').replaceChildren(groupTable(s.byAlias, { title: 'Alias', none: '(none)' }));
  $('by-deployment').replaceChildren(groupTable(s.byDeployment, { title: 'Deployment', none: 'not routed' }));
  $('by-tenant').replaceChildren(groupTable(s.byTenant, { title: 'Tenant', none: '(no key)' }));
  $('by-status').replaceChildren(groupTable(s.byStatus, { title: 'Status', none: '?' }));
}

const colors = () => ({ local: cssVar('--local'), private: cssVar('--private'), cloud: cssVar('--cloud'), bad: cssVar('--bad'), accent: cssVar('--accent'), muted: cssVar('--muted'), warn: cssVar('--warn') });

/** Bucket label for the note under the charts. */
function bucketText(msPer) {
  if (msPer % 86_400_000 === 0) return `${msPer / 86_400_000} d`;
  if (msPer % 3_600_000 === 0) return `${msPer / 3_600_000} h`;
  if (msPer % 60_000 === 0) return `${msPer / 60_000} min`;
  return `${msPer / 1000} s`;
}

export async function renderSeries(series) {
  const c = colors();
  const x = series.buckets.map((b) => Date.parse(b.start) / 1000);
  const by = (loc, f) => series.buckets.map((b) => (b.byLocation[loc] ? f(b.byLocation[loc]) : 0));
  const per = `per ${bucketText(series.bucketMs)}`;
  const reqSeries = [
    ...LOCATIONS.map((l) => ({ label: l, color: c[l], values: by(l, (g) => g.requests) })),
    { label: 'errors', color: c.bad, values: series.buckets.map((b) => b.errors) },
  ];
  const count = (v) => int(v);
  await Promise.all([
    drawChart($('chart-requests'), {
      x, series: reqSeries, format: count,
      summary: `Requests ${per}. ` + reqSeries.map((s) => summarize(s.label, x, s.values, count)).join('; '),
    }),
    drawChart($('chart-latency'), {
      x,
      series: [
        { label: 'p50', color: c.accent, values: series.buckets.map((b) => b.latencyMs.p50) },
        { label: 'p95', color: c.warn, values: series.buckets.map((b) => b.latencyMs.p95) },
        { label: 'p99', color: c.bad, values: series.buckets.map((b) => b.latencyMs.p99) },
        { label: 'TTFT p50', color: c.local, values: series.buckets.map((b) => b.ttftMs.p50) },
        { label: 'TTFT p95', color: c.private, values: series.buckets.map((b) => b.ttftMs.p95) },
      ],
      format: ms,
      summary: `Latency ${per}. ` + ['p50', 'p95', 'p99'].map((p) => summarize(p, x, series.buckets.map((b) => b.latencyMs[p]), ms, { total: false })).join('; '),
    }),
    drawChart($('chart-tokens'), {
      x, kind: 'stacked', format: compact,
      series: LOCATIONS.map((l) => ({ label: l, color: c[l], values: by(l, (g) => g.promptTokens + g.completionTokens) })),
      summary: `Tokens in and out ${per}, by location. ` + LOCATIONS.map((l) => summarize(l, x, by(l, (g) => g.promptTokens + g.completionTokens), compact)).join('; '),
    }),
    drawChart($('chart-spend'), {
      x, kind: 'stacked', format: usd,
      series: LOCATIONS.map((l) => ({ label: l, color: c[l], values: by(l, (g) => g.costUsd) })),
      summary: `Spend ${per}, by location. ` + LOCATIONS.map((l) => summarize(l, x, by(l, (g) => g.costUsd), usd)).join('; '),
    }),
  ]);
  $('series-note').textContent = `Charts: ${series.buckets.length} buckets of ${bucketText(series.bucketMs)}.` +
    (series.latencySampled ? ' Percentiles cover the newest 20,000 requests of the window.' : '');
}

export async function loadOverview(since, stale) {
  const [summary, series] = await Promise.all([admin('/admin/summary', { since }), admin('/admin/timeseries', { since })]);
  if (stale()) return undefined;
  renderSummary(summary);
  await renderSeries(series);
  return `${int(summary.totals.requests)} requests in the window`;
}
