// Meridian operator dashboard: totals and splits from GET /admin/summary, recent requests from
// GET /admin/requests (filterable by episode), the feedback on one request from GET /admin/feedback,
// feedback per prompt version and deployment from GET /admin/feedback/summary, and route explanations
// from POST /admin/route/explain (or /v1/route/explain as a virtual key). Every value from the server
// is inserted as text (never as HTML), so a tenant name or a feedback comment cannot inject markup.
import { admin, adoptKeyFromFragment, ApiError, explain, forgetKey, getKey, setKey } from './api.js';

const REFRESH_MS = 15_000;
const REQUEST_LIMIT = 200;
const LOCATIONS = ['local', 'private', 'cloud'];
const WINDOW_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 };

const $ = (id) => document.getElementById(id);
let loadSeq = 0;
let timer;

// ---------- tiny DOM and format helpers ----------

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'style') Object.assign(el.style, v); // CSSOM, allowed by the page's CSP
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

const int = (n) => Math.round(n ?? 0).toLocaleString('en-US');
const pct = (part, whole) => (whole > 0 ? ((100 * part) / whole).toFixed(part === whole || part === 0 ? 0 : 1) + '%' : '—');

function compact(n) {
  if (n >= 1e9) return (n / 1e9).toFixed(1) + 'B';
  if (n >= 1e6) return (n / 1e6).toFixed(1) + 'M';
  if (n >= 1e4) return (n / 1e3).toFixed(1) + 'k';
  return int(n);
}

function usd(v) {
  if (v === undefined || v === null) return '—';
  if (v === 0) return '$0';
  if (v >= 100) return '$' + v.toFixed(0);
  if (v >= 1) return '$' + v.toFixed(2);
  if (v >= 0.01) return '$' + v.toFixed(4);
  return '$' + v.toFixed(6);
}

function ms(v) {
  if (v === undefined || v === null) return '—';
  return v < 1000 ? Math.round(v) + ' ms' : (v / 1000).toFixed(2) + ' s';
}

function clock(iso) {
  const d = new Date(iso);
  const time = d.toLocaleTimeString('en-GB', { hour12: false });
  return d.toDateString() === new Date().toDateString() ? time : d.toLocaleDateString('en-CA') + ' ' + time;
}

function windowStart(win) {
  const m = /^(\d+)([mhd])$/.exec(win);
  return new Date(Date.now() - Number(m[1]) * WINDOW_MS[m[2]]).toISOString();
}

const locationBadge = (loc) => h('span', { class: 'badge loc-' + (loc || 'none') }, loc || 'not routed');

function statusBadge(status) {
  const cls = status < 300 ? 'ok' : status < 500 ? 'warn' : 'bad';
  return h('span', { class: 'badge st-' + cls }, String(status));
}

function piiChips(pii) {
  const entries = Object.entries(pii ?? {}).filter(([, n]) => n > 0);
  if (!entries.length) return h('span', { class: 'muted' }, '—');
  return h('span', { class: 'chips' }, entries.map(([type, n]) => h('span', { class: 'chip pii' }, `${type} ×${n}`)));
}

const empty = (text) => h('p', { class: 'muted empty' }, text);
const label = (key, none) => (key === '' ? h('span', { class: 'muted' }, none) : key);

// ---------- summary panels ----------

function renderKpis(s) {
  const t = s.totals;
  const byLoc = Object.fromEntries(s.byLocation.map((g) => [g.key, g]));
  const kpi = (title, value, sub, cls) => h('div', { class: 'kpi card ' + (cls ?? '') }, h('div', { class: 'kpi-title' }, title), h('div', { class: 'kpi-value' }, value), h('div', { class: 'kpi-sub muted' }, sub));
  const spendSplit = LOCATIONS.filter((l) => byLoc[l]?.costUsd).map((l) => `${l} ${usd(byLoc[l].costUsd)}`).join(' · ') || 'nothing spent';
  $('kpis').replaceChildren(
    kpi('Requests', int(t.requests), `since ${clock(s.since)}`),
    kpi('Errors', int(t.errors), t.requests ? `${pct(t.errors, t.requests)} of requests` : 'no requests', t.errors ? 'has-errors' : ''),
    kpi('Spend', usd(t.costUsd), spendSplit),
    kpi('Tokens', compact(t.promptTokens + t.completionTokens), `in ${compact(t.promptTokens)} · out ${compact(t.completionTokens)}` + (t.estimatedTokenRequests ? ` · ${int(t.estimatedTokenRequests)} est.` : '')),
    kpi('Latency', ms(t.requests ? t.avgLatencyMs : null), 'average · TTFT ' + ms(t.avgTtftMs)),
    kpi('PII', int(t.piiRequests), `requests · ${int(Object.values(s.pii).reduce((a, b) => a + b, 0))} findings`),
  );
}

function renderLocations(s) {
  const total = s.totals.requests;
  if (!total) return $('locations').replaceChildren(empty('No requests in this window.'));
  const byLoc = Object.fromEntries(s.byLocation.map((g) => [g.key, g]));
  const keys = [...LOCATIONS, ...(byLoc[''] ? [''] : [])];
  const bar = h('div', { class: 'stack', role: 'img', 'aria-label': 'requests by location' },
    keys.filter((k) => byLoc[k]).map((k) => h('span', { class: 'seg loc-' + (k || 'none'), style: { width: (100 * byLoc[k].requests) / total + '%' }, title: `${k || 'not routed'}: ${byLoc[k].requests}` })));
  const rows = keys.map((k) => {
    const g = byLoc[k] ?? { requests: 0, errors: 0, costUsd: 0, promptTokens: 0, completionTokens: 0 };
    return h('tr', { class: g.requests ? '' : 'dim' },
      h('td', {}, locationBadge(k)),
      h('td', { class: 'num' }, int(g.requests)),
      h('td', { class: 'num muted' }, pct(g.requests, total)),
      h('td', { class: 'num' }, compact(g.promptTokens + g.completionTokens), h('span', { class: 'muted' }, ' tok')),
      h('td', { class: 'num' }, usd(g.costUsd)));
  });
  $('locations').replaceChildren(bar, h('table', { class: 'compact' }, h('tbody', {}, rows)));
}

function barList(items, { none = '—', tone = '' } = {}) {
  const max = Math.max(...items.map((i) => i.value), 1);
  return h('ul', { class: 'bars' }, items.map((i) =>
    h('li', {},
      h('span', { class: 'bar-label', title: i.key || none }, label(i.key, none)),
      h('span', { class: 'bar-track' }, h('span', { class: 'bar-fill ' + tone, style: { width: Math.max(2, (100 * i.value) / max) + '%' } })),
      h('span', { class: 'bar-value' }, int(i.value), i.errors ? h('span', { class: 'err', title: 'errors' }, ` · ${int(i.errors)} err`) : ''))));
}

function renderReasons(s) {
  if (!s.byReason.length) return $('reasons').replaceChildren(empty('No route decisions in this window.'));
  $('reasons').replaceChildren(barList(s.byReason.map((g) => ({ key: g.key, value: g.requests, errors: g.errors })), { none: 'not routed' }));
}

function renderPii(s) {
  const items = Object.entries(s.pii).map(([key, value]) => ({ key, value })).sort((a, b) => b.value - a.value);
  if (!items.length) return $('pii').replaceChildren(empty('No PII found in this window.'));
  $('pii').replaceChildren(barList(items, { tone: 'pii' }), h('p', { class: 'muted small' }, `${int(s.totals.piiRequests)} of ${int(s.totals.requests)} requests carried PII.`));
}

function groupTable(groups, { none, title }) {
  if (!groups.length) return empty('Nothing in this window.');
  const total = groups.reduce((a, g) => a + g.requests, 0);
  return h('div', { class: 'table-wrap' }, h('table', { class: 'compact groups' },
    h('thead', {}, h('tr', {}, h('th', {}, title), h('th', { class: 'num' }, 'Requests'), h('th', { class: 'num' }, 'Errors'), h('th', { class: 'num' }, 'Tokens'), h('th', { class: 'num' }, 'Cost'), h('th', { class: 'num' }, 'Avg latency'))),
    h('tbody', {}, groups.map((g) => h('tr', {},
      h('td', { class: 'name', title: g.key || none }, label(g.key, none)),
      h('td', { class: 'num' }, h('span', { class: 'share', style: { width: `calc((100% - 64px) * ${(g.requests / total).toFixed(4)})` } }), int(g.requests)),
      h('td', { class: 'num' + (g.errors ? ' err' : ' muted') }, int(g.errors)),
      h('td', { class: 'num' }, compact(g.promptTokens + g.completionTokens)),
      h('td', { class: 'num' }, usd(g.costUsd)),
      h('td', { class: 'num' }, ms(g.avgLatencyMs)))))));
}

function renderGroups(s) {
  $('by-alias').replaceChildren(groupTable(s.byAlias, { title: 'Alias', none: '(none)' }));
  $('by-deployment').replaceChildren(groupTable(s.byDeployment, { title: 'Deployment', none: 'not routed' }));
  $('by-tenant').replaceChildren(groupTable(s.byTenant, { title: 'Tenant', none: '(no key)' }));
  $('by-status').replaceChildren(groupTable(s.byStatus, { title: 'Status', none: '?' }));
}

/** Filter choices come from what the window holds; a chosen value stays even when it has gone. */
function fillSelect(select, values) {
  const current = select.value;
  const all = [...new Set([...values.filter(Boolean), ...(current ? [current] : [])])];
  select.replaceChildren(h('option', { value: '' }, 'any'), ...all.map((v) => h('option', { value: v }, v)));
  select.value = current;
}

// ---------- recent requests ----------

function tokensCell(r) {
  if (r.promptTokens === undefined && r.completionTokens === undefined) return h('span', { class: 'muted' }, '—');
  const text = `${int(r.promptTokens)} → ${int(r.completionTokens)}`;
  return r.tokensEstimated ? h('span', { title: 'estimated: the upstream reported no usage' }, h('span', { class: 'est' }, '~'), text) : text;
}

function detailRow(r) {
  const feedback = h('div', { class: 'feedback-of' }, h('strong', {}, 'Feedback'), h('span', { class: 'muted' }, ' loading…'));
  void loadRequestFeedback(r.id, feedback);
  const facts = [
    ['Request id', r.id], ['Client request id', r.clientRequestId], ['Kind', r.kind + (r.stream ? ' · streamed' : '')], ['Key id', r.keyId],
    ['Error code', r.errorCode], ['Guard action', r.guardAction],
    ['Reasoning tokens', r.reasoningTokens], ['Cached tokens', r.cachedTokens], ['Prompt version', r.promptVersion],
  ].filter(([, v]) => v !== undefined && v !== null && v !== '');
  const episode = r.episode
    ? [h('dt', {}, 'Episode'), h('dd', {}, h('span', { class: 'episode' }, r.episode), ' ', h('button', { type: 'button', class: 'link', onclick: () => showEpisode(r.episode) }, 'show its requests'))]
    : [];
  const attempts = (r.attempts ?? []).map((a, i) => h('li', {}, `${i + 1}. `, typeof a === 'object' && a ? Object.entries(a).map(([k, v]) => h('span', { class: 'kv' }, h('span', { class: 'muted' }, k + ' '), typeof v === 'object' ? JSON.stringify(v) : String(v))) : String(a)));
  return h('tr', { class: 'detail' }, h('td', { colspan: 12 },
    h('dl', {}, facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))]), episode),
    feedback,
    h('div', {}, h('strong', {}, 'Attempts'), attempts.length ? h('ol', { class: 'attempts' }, attempts) : h('span', { class: 'muted' }, ' none recorded')),
    excludedList(r.excluded)));
}

/** The feedback given on one request (POST /v1/feedback), oldest first; the comment is shown as text. */
async function loadRequestFeedback(id, box) {
  try {
    const { data } = await admin('/admin/feedback', { request_id: id });
    box.replaceChildren(h('strong', {}, 'Feedback'), data.length ? h('ul', { class: 'feedback-list' }, data.map(feedbackItem)) : h('span', { class: 'muted' }, ' none given'));
  } catch (err) {
    box.replaceChildren(h('strong', {}, 'Feedback'), h('span', { class: 'error' }, ' could not load: ' + err.message));
  }
}

function feedbackItem(f) {
  return h('li', { class: 'feedback' },
    h('span', { class: 'muted', title: f.time }, clock(f.time)), ' ',
    f.score !== undefined ? h('span', { class: 'chip fb-score' }, 'score ' + score(f.score)) : '',
    f.label !== undefined ? h('span', { class: 'chip fb-label' }, f.label) : '',
    f.comment !== undefined ? h('span', { class: 'fb-comment' }, f.comment) : '');
}

function showEpisode(episode) {
  $('f-episode').value = episode;
  void load();
}

/** Why candidates were left out (policy, capability, health): the answer to "why was this refused?". */
function excludedList(excluded) {
  if (!excluded?.length) return h('span');
  return h('div', {}, h('strong', {}, 'Not considered'), h('ul', { class: 'attempts' },
    excluded.map((x) => h('li', {}, h('span', { class: 'kv' }, x.deployment), ' ', h('span', { class: 'muted' }, x.rule + ': '), x.reason))));
}

function renderRequests(rows) {
  if (!rows.length) return $('requests').replaceChildren(h('tr', {}, h('td', { colspan: 12 }, empty('No requests match.'))));
  $('requests').replaceChildren(...rows.map((r) => {
    const row = h('tr', { class: 'row' + (r.status >= 400 ? ' failed' : ''), tabindex: 0, 'data-id': r.id },
      h('td', { title: r.time, class: 'nowrap' }, clock(r.time)),
      h('td', { class: 'nowrap' }, r.tenant ?? h('span', { class: 'muted' }, '—')),
      h('td', { class: 'nowrap' }, r.alias),
      h('td', { class: 'mono', title: r.deployment ?? '' }, r.deployment ?? h('span', { class: 'muted' }, '—')),
      h('td', {}, locationBadge(r.location)),
      h('td', { class: 'reason', title: r.routeReason ?? '' }, r.routeReason ?? h('span', { class: 'muted' }, '—')),
      h('td', { class: 'nowrap' }, statusBadge(r.status), r.errorCode ? h('span', { class: 'muted small' }, ' ' + r.errorCode) : ''),
      h('td', { class: 'num' }, ms(r.latencyMs)),
      h('td', { class: 'num' }, ms(r.ttftMs)),
      h('td', { class: 'num' }, tokensCell(r)),
      h('td', { class: 'num' }, usd(r.costUsd)),
      h('td', { class: 'pii-cell' }, piiChips(r.pii)));
    const toggle = () => {
      const next = row.nextElementSibling;
      if (next?.classList.contains('detail')) next.remove();
      else row.after(detailRow(r));
    };
    row.addEventListener('click', toggle);
    row.addEventListener('keydown', (e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), toggle()));
    return row;
  }));
}

// ---------- feedback ----------

const score = (v) => String(Math.round(v * 1000) / 1000);

function labelChips(labels) {
  const entries = Object.entries(labels ?? {}).sort((a, b) => b[1] - a[1]);
  if (!entries.length) return h('span', { class: 'muted' }, '—');
  return h('span', { class: 'chips' }, entries.map(([l, n]) => h('span', { class: 'chip fb-label' }, `${l} ×${n}`)));
}

function feedbackTable(groups, { title, none }) {
  if (!groups.length) return empty('No feedback in this window.');
  return h('div', { class: 'table-wrap' }, h('table', { class: 'compact groups feedback-groups' },
    h('thead', {}, h('tr', {}, h('th', {}, title), h('th', { class: 'num' }, 'Feedback'), h('th', { class: 'num' }, 'Avg score'), h('th', {}, 'Labels'))),
    h('tbody', {}, groups.map((g) => h('tr', {},
      h('td', { class: 'name', title: g.key || none }, label(g.key, none)),
      h('td', { class: 'num' }, int(g.feedback)),
      h('td', { class: 'num' }, g.avgScore === null ? h('span', { class: 'muted' }, '—') : score(g.avgScore)),
      h('td', {}, labelChips(g.labels)))))));
}

function renderFeedback(f) {
  $('fb-by-prompt').replaceChildren(feedbackTable(f.byPromptVersion, { title: 'Prompt version', none: '(no prompt)' }));
  $('fb-by-deployment').replaceChildren(feedbackTable(f.byDeployment, { title: 'Deployment', none: 'not routed' }));
}

const feedbackSummary = () => admin('/admin/feedback/summary', { since: windowStart($('fb-window').value) });

async function loadFeedback() {
  try {
    renderFeedback(await feedbackSummary());
  } catch (err) {
    $('fb-by-prompt').replaceChildren(h('p', { class: 'error' }, 'Could not load feedback: ' + err.message));
    $('fb-by-deployment').replaceChildren();
  }
}

// ---------- loading ----------

function showGate(message) {
  clearInterval(timer);
  $('dashboard').hidden = true;
  $('controls').hidden = true;
  $('gate').hidden = false;
  $('gate-error').hidden = !message;
  $('gate-error').textContent = message ?? '';
  $('key').focus();
}

function showDashboard() {
  $('gate').hidden = true;
  $('dashboard').hidden = false;
  $('controls').hidden = false;
  schedule();
  void load();
}

function schedule() {
  clearInterval(timer);
  if ($('auto').checked) timer = setInterval(() => document.visibilityState === 'visible' && load(), REFRESH_MS);
}

async function load() {
  const seq = ++loadSeq;
  const since = windowStart($('window').value);
  const filters = { tenant: $('f-tenant').value, alias: $('f-alias').value, location: $('f-location').value, status: $('f-status').value, episode: $('f-episode').value.trim() };
  $('status-line').classList.remove('error');
  $('status-line').textContent = 'Loading…';
  try {
    const [summary, requests, feedback] = await Promise.all([
      admin('/admin/summary', { since }),
      admin('/admin/requests', { since, limit: REQUEST_LIMIT, ...filters }),
      feedbackSummary(),
    ]);
    if (seq !== loadSeq) return; // a newer load started; its answer wins
    renderKpis(summary);
    renderLocations(summary);
    renderReasons(summary);
    renderPii(summary);
    renderGroups(summary);
    fillSelect($('f-tenant'), summary.byTenant.map((g) => g.key));
    fillSelect($('f-alias'), summary.byAlias.map((g) => g.key));
    fillSelect($('f-status'), summary.byStatus.map((g) => g.key).sort());
    renderRequests(requests.data);
    renderFeedback(feedback);
    prefillExplain(summary);
    const shown = (requests.data.length >= REQUEST_LIMIT ? `newest ${REQUEST_LIMIT} requests shown` : `${requests.data.length} requests shown`) + (filters.episode ? ` of episode ${filters.episode}` : '');
    $('status-line').textContent = `Updated ${clock(new Date().toISOString())} · ${shown}` + ($('auto').checked ? ` · refreshes every ${REFRESH_MS / 1000} s` : '');
  } catch (err) {
    if (seq !== loadSeq) return;
    if (err instanceof ApiError && err.status === 401) {
      forgetKey();
      return showGate('The master key was refused.');
    }
    if (err instanceof ApiError && err.code === 'admin_disabled') return showGate(err.message);
    $('status-line').classList.add('error');
    $('status-line').textContent = 'Could not load: ' + err.message;
  }
}

// ---------- explain ----------

function prefillExplain(summary) {
  const box = $('explain-body');
  if (box.value.trim()) return;
  const model = summary.byAlias.find((g) => g.key)?.key ?? 'chat-default';
  box.value = JSON.stringify({ model, messages: [{ role: 'user', content: 'Summarize the ticket from jane@example.com' }] }, null, 2);
}

function renderExplanation(x) {
  const facts = x.facts ?? {};
  const first = x.eligible?.[0];
  const headline = x.error
    ? h('div', { class: 'callout bad' }, h('strong', {}, `Would fail: ${x.error.status} ${x.error.code}`), h('div', {}, x.error.message))
    : first
      ? h('div', { class: 'callout ok' }, 'Would run on ', h('strong', { class: 'mono' }, first.deployment), ' ', locationBadge(first.location), h('div', { class: 'muted' }, 'reason: ' + first.reason))
      : h('div', { class: 'callout warn' }, 'No deployment is eligible.');
  const chip = (k, v) => h('span', { class: 'chip' }, h('span', { class: 'muted' }, k + ' '), v);
  const chips = h('div', { class: 'chips' },
    chip('alias', x.alias), chip('strategy', x.strategy), chip('may run in', (x.allowedLocations ?? []).join(', ') || 'nowhere'),
    chip('rules', x.rules?.length ? x.rules.join(', ') : 'none matched'),
    chip('tenant', facts.tenant ?? 'none (no virtual key given)'),
    facts.estimatedPromptTokens !== undefined ? chip('prompt tokens ≈', int(facts.estimatedPromptTokens)) : '',
    Object.keys(facts.pii ?? {}).length ? chip('PII', Object.entries(facts.pii).map(([t, n]) => `${t} ×${n}`).join(', ')) : chip('PII', 'none'));
  const eligible = x.eligible?.length
    ? h('table', { class: 'compact' }, h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, 'Eligible deployment'), h('th', {}, 'Where'), h('th', {}, 'Why'))),
      h('tbody', {}, x.eligible.map((e, i) => h('tr', {}, h('td', { class: 'muted' }, String(i + 1)), h('td', { class: 'mono' }, e.deployment), h('td', {}, locationBadge(e.location)), h('td', {}, e.reason)))))
    : '';
  const excluded = x.excluded?.length
    ? h('table', { class: 'compact' }, h('thead', {}, h('tr', {}, h('th', {}, 'Excluded deployment'), h('th', {}, 'Rule'), h('th', {}, 'Why'))),
      h('tbody', {}, x.excluded.map((e) => h('tr', { class: 'excluded' }, h('td', { class: 'mono' }, e.deployment), h('td', {}, e.rule), h('td', {}, e.reason)))))
    : h('p', { class: 'muted small' }, 'No deployment was excluded.');
  $('explain-result').replaceChildren(headline, chips, eligible, excluded);
}

async function onExplain(e) {
  e.preventDefault();
  const body = $('explain-body').value;
  try {
    JSON.parse(body);
  } catch (err) {
    return $('explain-result').replaceChildren(h('div', { class: 'callout bad' }, 'Not valid JSON: ' + err.message));
  }
  $('explain-result').replaceChildren(empty('Asking the router…'));
  try {
    renderExplanation(await explain(body, $('explain-key').value.trim()));
  } catch (err) {
    const hint = err.status === 401 && $('explain-key').value.trim() ? ' Check the virtual key (or leave it empty to explain without a tenant).' : '';
    $('explain-result').replaceChildren(h('div', { class: 'callout bad' }, h('strong', {}, err.status ? `${err.status} ${err.code}` : 'Error'), h('div', {}, err.message + hint)));
  }
}

// ---------- start ----------

function start() {
  adoptKeyFromFragment();
  $('gate-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const key = $('key').value.trim();
    if (!key) return;
    setKey(key);
    $('key').value = '';
    showDashboard();
  });
  $('lock').addEventListener('click', () => {
    forgetKey();
    showGate();
  });
  $('refresh').addEventListener('click', () => load());
  $('window').addEventListener('change', () => load());
  $('auto').addEventListener('change', schedule);
  $('filters').addEventListener('change', () => load());
  $('filters').addEventListener('submit', (e) => (e.preventDefault(), load()));
  $('f-episode').addEventListener('search', () => load()); // the field's clear button
  $('fb-window').addEventListener('change', () => loadFeedback());
  $('explain-form').addEventListener('submit', onExplain);
  if (getKey()) showDashboard();
  else showGate();
}

start();
