// The Providers view: GET /admin/providers — each deployment's health, breaker state, warm/cold
// model, requests in flight and the engine's own queue, measured speed (EWMA TTFT and tokens/s)
// and price, as this replica's router sees them now.
import { admin } from './api.js';
import { $, empty, h, int, kpi, locationBadge, ms, table } from './dom.js';

const STATE_CLASS = { up: 'ok', closed: 'ok', warm: 'ok', cold: 'warn', 'half-open': 'warn', unknown: 'none', down: 'bad', open: 'bad' };
const state = (v) => h('span', { class: 'state st-' + (STATE_CLASS[v] ?? 'none') }, v);
const perMillion = (v) => (v === undefined || v === null ? '—' : '$' + (Math.round(v * 1000) / 1000));

function load(d) {
  const limit = d.maxConcurrency !== undefined ? ` / ${int(d.maxConcurrency)}` : '';
  const e = d.engine;
  return h('span', {}, `${int(d.inFlight)}${limit} in flight`,
    e && (e.waiting !== undefined || e.running !== undefined) ? h('span', { class: 'muted' }, ` · engine ${int(e.running)} running, ${int(e.waiting)} queued`) : '',
    e?.kvCacheUsage !== undefined ? h('span', { class: 'muted' }, ` · KV ${Math.round(e.kvCacheUsage * 100)}%`) : '');
}

export async function loadProviders() {
  const p = await admin('/admin/providers');
  const count = (f) => p.data.filter(f).length;
  $('provider-kpis').replaceChildren(
    kpi('Deployments', int(p.data.length), `${count((d) => d.location === 'local')} local · ${count((d) => d.location === 'private')} private · ${count((d) => d.location === 'cloud')} cloud`, '', 'kpi-deployments'),
    kpi('Healthy', int(count((d) => d.health === 'up')), `${count((d) => d.health === 'down')} down · ${count((d) => d.health === 'cold')} cold`, count((d) => d.health === 'down') ? 'has-errors' : ''),
    kpi('Breakers open', int(count((d) => d.breaker !== 'closed')), `${count((d) => d.breaker === 'half-open')} half-open`, count((d) => d.breaker === 'open') ? 'has-errors' : ''),
    kpi('In flight', int(p.data.reduce((a, d) => a + d.inFlight, 0)), 'requests running now'),
    kpi('Queue', int(p.queueLength), 'requests waiting for a slot', '', 'kpi-queue'),
  );
  if (!p.data.length) return $('providers').replaceChildren(empty('No deployment is configured.')), 'no deployments';
  $('providers').replaceChildren(table(p.data, [
    ['Deployment', (d) => h('span', { class: 'mono' }, d.id)],
    ['Where', (d) => locationBadge(d.location)],
    ['Health', (d) => state(d.health)],
    ['Breaker', (d) => state(d.breaker)],
    ['Model', (d) => state(d.warm)],
    ['Load', load],
    ['TTFT (EWMA)', (d) => ms(d.ttftEwmaMs), 'num'],
    ['Tokens/s (EWMA)', (d) => (d.tokensPerSecEwma === null ? '—' : int(d.tokensPerSecEwma)), 'num'],
    ['Samples', (d) => int(d.samples), 'num'],
    ['Price in / out', (d) => (d.price ? `${perMillion(d.price.input)} / ${perMillion(d.price.output)}` : h('span', { class: 'muted' }, 'unknown')), 'num'],
  ], { id: 'providers-table', caption: 'Deployments and their live state', rowAttrs: (d) => ({ 'data-id': d.id }) }));
  return `${p.data.length} deployments · as of ${new Date(p.time).toLocaleTimeString('en-GB', { hour12: false })}`;
}
