// The Cost view: GET /admin/cost — spend by day (UTC) and by model, tenant and location; what the
// same traffic would have cost all-cloud and all-local; the break-even curve of the busiest local
// deployment's cost model against the busiest cloud price, today's volume marked; and every
// budget with how close it is to its limit this period.
import { admin } from './api.js';
import { cssVar, drawChart, summarize } from './charts.js';
import { $, compact, empty, groupTable, h, int, kpi, table, usd } from './dom.js';

const LOCATIONS = ['local', 'private', 'cloud'];

function renderKpis(c) {
  const cf = c.counterfactual;
  const saved = cf.allCloudUsd === null ? null : cf.allCloudUsd - cf.actualUsd;
  $('cost-kpis').replaceChildren(
    kpi('Spend', usd(cf.actualUsd), `${int(c.totals.requests)} requests since ${c.since.slice(0, 10)}`, '', 'kpi-cost-actual'),
    kpi('All-cloud', usd(cf.allCloudUsd), 'same tokens, cloud prices', '', 'kpi-cost-cloud'),
    kpi('All-local', usd(cf.allLocalUsd), 'same tokens, local cost', '', 'kpi-cost-local'),
    kpi('Saved vs all-cloud', usd(saved), saved === null ? 'no cloud price to compare' : saved >= 0 ? 'by running some traffic locally' : 'local ran dearer than cloud', '', 'kpi-cost-saved'),
  );
}

function budgetMeter(b) {
  const pctText = Math.round(b.fraction * 100) + '%';
  const amount = (v) => (b.metric === 'usd' ? usd(v) : compact(v) + ' tok');
  return h('span', { class: 'budget-meter' },
    h('meter', { min: 0, max: 1, low: 0.75, high: 0.9, optimum: 0, value: Math.min(1, b.fraction), 'aria-label': `${b.label}: ${pctText} used` }),
    h('span', { class: 'budget-text' + (b.fraction >= 1 ? ' err' : '') }, `${amount(b.used)} of ${amount(b.limit)} · ${pctText}`));
}

function renderBudgets(budgets) {
  if (!budgets.length) return $('budgets').replaceChildren(empty('No budget applies: set budgets in meridian.yaml or on a key (Keys view).'));
  $('budgets').replaceChildren(table(budgets, [
    ['Budget', (b) => b.label],
    ['Scope', (b) => b.scope],
    ['Period', (b) => b.period],
    ['When spent', (b) => ({ hard: 'refuse', soft: 'warn', downgrade: 'route local' })[b.mode] ?? b.mode],
    ['Used', budgetMeter],
    ['Resets', (b) => new Date(b.resetAt).toLocaleString('en-GB', { hour12: false })],
  ], { id: 'budgets-table', caption: 'Budgets and their use this period', rowAttrs: (b) => ({ 'data-subject': b.subject, 'data-metric': b.metric }) }));
}

function renderCounterfactual(cf) {
  const rows = cf.byAlias;
  const box = $('counterfactual');
  if (!rows.length) return box.replaceChildren(empty('No traffic in this window.'));
  box.replaceChildren(
    table(rows, [
      ['Alias', (r) => r.alias || h('span', { class: 'muted' }, '(none)')],
      ['Tokens in → out', (r) => `${compact(r.promptTokens)} → ${compact(r.completionTokens)}`, 'num'],
      ['Actual', (r) => usd(r.actualUsd), 'num'],
      ['All-cloud', (r) => h('span', { title: r.cloudDeployment ?? 'no cloud deployment' }, usd(r.allCloudUsd)), 'num'],
      ['All-local', (r) => h('span', { title: r.localDeployment ?? 'no local deployment' }, usd(r.allLocalUsd)), 'num'],
      ['Priced at', (r) => h('span', { class: 'mono small' }, `${r.cloudDeployment ?? '—'} / ${r.localDeployment ?? '—'}`)],
    ], { id: 'counterfactual-table', caption: 'What each alias would have cost all-cloud and all-local' }),
    ...cf.notes.map((n) => h('p', { class: 'muted small' }, n)));
}

async function renderCharts(c) {
  const col = { local: cssVar('--local'), private: cssVar('--private'), cloud: cssVar('--cloud') };
  const x = c.byDay.map((d) => Date.parse(d.day + 'T00:00:00Z') / 1000);
  const day = (v) => new Date(v * 1000).toISOString().slice(5, 10);
  const series = LOCATIONS.map((l) => ({ label: l, color: col[l], values: c.byDay.map((d) => d.byLocation[l] ?? 0) }));
  const charts = [drawChart($('chart-cost-days'), {
    x, series, kind: 'stacked', format: usd, xFormat: day, xLabel: 'day',
    summary: 'Spend by UTC day and location. ' + series.map((s) => summarize(s.label, x, s.values, usd)).join('; '),
  })];
  const be = c.breakeven;
  if (!be) {
    $('chart-breakeven').replaceChildren(empty('No break-even to draw: it needs a cloud deployment with a price and a local one with a cost model (gpuUsdPerHour and tokensPerSecond in pricing.local, docs/cost.md).'));
    $('breakeven-note').textContent = '';
  } else {
    // Today's volume joins the curve as one more point, marked.
    const points = [...be.curve, { tokensOutPerDay: be.tokensOutPerDay, cloudUsdPerDay: be.result.cloudUsdPerDay, selfHostUsdPerDay: be.result.selfHostUsdPerDay, today: true }]
      .sort((a, b) => a.tokensOutPerDay - b.tokensOutPerDay);
    const bx = points.map((p) => p.tokensOutPerDay);
    charts.push(drawChart($('chart-breakeven'), {
      x: bx, xTime: false, xLabel: 'output tokens/day', xFormat: compact, format: usd,
      series: [
        { label: `cloud (${be.cloudDeployment})`, color: col.cloud, values: points.map((p) => p.cloudUsdPerDay) },
        { label: `self-hosted (${be.localDeployment})`, color: col.local, values: points.map((p) => p.selfHostUsdPerDay) },
        { label: 'your volume', color: cssVar('--text'), points: true, values: points.map((p) => (p.today ? p.cloudUsdPerDay : null)) },
      ],
      summary: `Cost per day by output tokens per day: cloud on ${be.cloudDeployment} against self-hosting ${be.localDeployment}. ` +
        `Break-even at ${be.result.breakevenTokensOutPerDay === null ? 'no volume' : compact(be.result.breakevenTokensOutPerDay) + ' output tokens per day'}; your volume is ${compact(be.tokensOutPerDay)}.`,
    }));
    const r = be.result;
    $('breakeven-note').textContent = `Your volume: ${compact(be.tokensOutPerDay)} output tokens/day (${compact(be.tokensInPerDay)} in). ` +
      `Break-even: ${r.breakevenTokensOutPerDay === null ? 'never at this price' : compact(r.breakevenTokensOutPerDay) + ' output tokens/day'} ` +
      `(${Math.round(r.requiredUtilization * 100)}% of one GPU). Cheapest now: ${r.cheapest}, by ${usd(r.savingsUsdPerDay)}/day.`;
  }
  await Promise.all(charts);
}

export async function loadCost(since, stale) {
  const c = await admin('/admin/cost', { since });
  if (stale()) return undefined;
  renderKpis(c);
  renderBudgets(c.budgets);
  renderCounterfactual(c.counterfactual);
  $('cost-by-model').replaceChildren(groupTable(c.byModel, { title: 'Deployment', none: 'not routed', id: 'cost-model-table', narrow: true }));
  $('cost-by-tenant').replaceChildren(groupTable(c.byTenant, { title: 'Tenant', none: '(no key)', narrow: true }));
  $('cost-by-location').replaceChildren(groupTable(c.byLocation, { title: 'Location', none: 'not routed', narrow: true }));
  await renderCharts(c);
  return `spend since ${c.since.slice(0, 10)} (whole UTC days)`;
}
