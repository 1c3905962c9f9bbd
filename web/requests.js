// The Requests view: the request log (GET /admin/requests) filtered by tenant, alias, location,
// status and episode, searched in the page; one request's whole story in its detail row (route
// plan with every excluded candidate and the rule that excluded it, attempts, guard findings and
// action, cost, prompt version, episode, feedback from GET /admin/feedback); feedback per prompt
// version and deployment (GET /admin/feedback/summary); and the explain box (POST /admin/route/explain).
import { admin, explain } from './api.js';
import { $, clock, empty, h, int, label, locationBadge, ms, piiChips, statusBadge, usd, windowStart } from './dom.js';

export const REQUEST_LIMIT = 200;
let lastRows = [];
let reload = () => {};

function tokensCell(r) {
  if (r.promptTokens === undefined && r.completionTokens === undefined) return h('span', { class: 'muted' }, '—');
  const text = `${int(r.promptTokens)} → ${int(r.completionTokens)}`;
  return r.tokensEstimated ? h('span', { title: 'estimated: the upstream reported no usage' }, h('span', { class: 'est' }, '~'), text) : text;
}

/** The guard's findings (counts by type, never values) and what it did. */
function guardLine(r) {
  const findings = Object.entries(r.pii ?? {}).filter(([, n]) => n > 0);
  return h('div', { class: 'story-guard' }, h('strong', {}, 'Guard'), ' ',
    r.guardAction ? h('span', { class: 'chip guard-' + r.guardAction }, r.guardAction) : h('span', { class: 'muted' }, 'not run'), ' ',
    findings.length ? piiChips(r.pii) : h('span', { class: 'muted' }, 'no findings'));
}

function attemptItem(a, i) {
  if (typeof a !== 'object' || !a) return h('li', {}, `${i + 1}. ${String(a)}`);
  const err = a.error && typeof a.error === 'object' ? a.error : undefined;
  return h('li', { class: a.ok ? 'ok' : 'failed' },
    `${i + 1}. `, h('span', { class: 'mono' }, String(a.deployment ?? '?')), ' ', a.location ? locationBadge(a.location) : '', ' ',
    h('span', { class: a.ok ? 'ok-text' : 'err' }, a.ok ? 'answered' : 'failed'),
    a.reason ? h('span', { class: 'muted' }, ` · chosen by ${a.reason}`) : '',
    a.latencyMs !== undefined ? h('span', { class: 'muted' }, ` · ${ms(a.latencyMs)}`) : '',
    a.retries ? h('span', { class: 'muted' }, ` · ${int(a.retries)} retries`) : '',
    err ? h('div', { class: 'attempt-error' }, `${err.status ?? ''} ${err.code ?? ''}: ${err.message ?? ''}`) : '');
}

/** Why candidates were left out (policy, capability, health): the answer to "why was this refused?". */
function excludedList(excluded) {
  if (!excluded?.length) return h('p', { class: 'muted small' }, 'No candidate was excluded.');
  return h('ul', { class: 'attempts excluded-list' },
    excluded.map((x) => h('li', {}, h('span', { class: 'mono' }, x.deployment), ' ', h('span', { class: 'chip' }, x.rule), ' ', x.reason)));
}

function detailRow(r) {
  const feedback = h('div', { class: 'feedback-of' }, h('strong', {}, 'Feedback'), h('span', { class: 'muted' }, ' loading…'));
  void loadRequestFeedback(r.id, feedback);
  const facts = [
    ['Request id', r.id], ['Client request id', r.clientRequestId], ['Kind', r.kind + (r.stream ? ' · streamed' : '')], ['Key id', r.keyId],
    ['Route', r.deployment ? `${r.deployment} (${r.routeReason ?? 'no reason'})` : r.attempts?.length ? 'no attempt succeeded' : 'not routed'],
    ['Status', `${r.status}${r.errorCode ? ' ' + r.errorCode : ''}`], ['Error code', r.errorCode], ['Guard action', r.guardAction],
    ['Cost', r.costUsd !== undefined ? usd(r.costUsd) + (r.costEstimated ? ' (estimated price)' : '') : undefined],
    ['Latency', ms(r.latencyMs) + (r.ttftMs !== undefined ? ` · TTFT ${ms(r.ttftMs)}` : '')],
    ['Reasoning tokens', r.reasoningTokens], ['Cached tokens', r.cachedTokens], ['Prompt version', r.promptVersion],
  ].filter(([, v]) => v !== undefined && v !== null && v !== '');
  const episode = r.episode
    ? [h('dt', {}, 'Episode'), h('dd', {}, h('span', { class: 'episode' }, r.episode), ' ', h('button', { type: 'button', class: 'link', onclick: () => showEpisode(r.episode) }, 'show its requests'))]
    : [];
  const attempts = (r.attempts ?? []).map(attemptItem);
  return h('tr', { class: 'detail' }, h('td', { colspan: 12 },
    h('dl', {}, facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))]), episode),
    guardLine(r),
    feedback,
    h('div', { class: 'story-plan' }, h('strong', {}, 'Route plan'),
      h('div', {}, h('span', { class: 'muted' }, 'Attempts '), attempts.length ? h('ol', { class: 'attempts' }, attempts) : h('span', { class: 'muted' }, 'none recorded')),
      h('div', {}, h('span', { class: 'muted' }, 'Not considered '), excludedList(r.excluded)))));
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

const score = (v) => String(Math.round(v * 1000) / 1000);

function feedbackItem(f) {
  return h('li', { class: 'feedback' },
    h('span', { class: 'muted', title: f.time }, clock(f.time)), ' ',
    f.score !== undefined ? h('span', { class: 'chip fb-score' }, 'score ' + score(f.score)) : '',
    f.label !== undefined ? h('span', { class: 'chip fb-label' }, f.label) : '',
    f.comment !== undefined ? h('span', { class: 'fb-comment' }, f.comment) : '');
}

function showEpisode(episode) {
  $('f-episode').value = episode;
  reload();
}

const SEARCHED = ['id', 'clientRequestId', 'tenant', 'alias', 'deployment', 'routeReason', 'errorCode', 'guardAction', 'promptVersion', 'episode'];

function matches(r, q) {
  if (!q) return true;
  return SEARCHED.some((k) => typeof r[k] === 'string' && r[k].toLowerCase().includes(q)) || String(r.status) === q;
}

function renderRequests() {
  const q = $('f-search').value.trim().toLowerCase();
  const rows = lastRows.filter((r) => matches(r, q));
  if (!rows.length) return $('requests').replaceChildren(h('tr', {}, h('td', { colspan: 12 }, empty(q ? 'No listed request matches the search.' : 'No requests match.'))));
  $('requests').replaceChildren(...rows.map((r) => {
    const row = h('tr', { class: 'row' + (r.status >= 400 ? ' failed' : ''), tabindex: 0, 'data-id': r.id, 'aria-expanded': 'false' },
      h('td', { title: r.time, class: 'nowrap' }, clock(r.time)),
      h('td', { title: r.tenant ?? '' }, r.tenant === undefined ? h('span', { class: 'muted' }, '—') : h('span', { class: 'clip tenant' }, r.tenant)),
      h('td', { title: r.alias }, h('span', { class: 'clip tenant' }, r.alias)),
      h('td', { class: 'mono', title: r.deployment ?? '' }, r.deployment ?? h('span', { class: 'muted' }, '—')),
      h('td', {}, locationBadge(r.location)),
      h('td', { class: 'reason', title: r.routeReason ?? '' }, r.routeReason ?? h('span', { class: 'muted' }, '—')),
      h('td', { class: 'status-cell' }, statusBadge(r.status), r.errorCode ? h('span', { class: 'muted small error-code' }, ' ' + r.errorCode) : ''),
      h('td', { class: 'num' }, ms(r.latencyMs)),
      h('td', { class: 'num' }, ms(r.ttftMs)),
      h('td', { class: 'num' }, tokensCell(r)),
      h('td', { class: 'num' }, usd(r.costUsd)),
      h('td', { class: 'pii-cell' }, piiChips(r.pii)));
    const toggle = () => {
      const next = row.nextElementSibling;
      if (next?.classList.contains('detail')) next.remove();
      else row.after(detailRow(r));
      row.setAttribute('aria-expanded', String(!next?.classList.contains('detail')));
    };
    row.addEventListener('click', toggle);
    row.addEventListener('keydown', (e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), toggle()));
    return row;
  }));
}

// ---------- feedback summary ----------

function labelChips(labels) {
  const entries = Object.entries(labels ?? {}).sort((a, b) => b[1] - a[1]);
  if (!entries.length) return h('span', { class: 'muted' }, '—');
  return h('span', { class: 'chips' }, entries.map(([l, n]) => h('span', { class: 'chip fb-label' }, `${l} ×${n}`)));
}

function feedbackTable(groups, { title, none }) {
  if (!groups.length) return empty('No feedback in this window.');
  return h('div', { class: 'table-wrap' }, h('table', { class: 'compact groups feedback-groups' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, title), h('th', { scope: 'col', class: 'num' }, 'Feedback'), h('th', { scope: 'col', class: 'num' }, 'Avg score'), h('th', { scope: 'col' }, 'Labels'))),
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

export async function loadFeedback() {
  try {
    renderFeedback(await feedbackSummary());
  } catch (err) {
    $('fb-by-prompt').replaceChildren(h('p', { class: 'error' }, 'Could not load feedback: ' + err.message));
    $('fb-by-deployment').replaceChildren();
  }
}

/** Filter choices come from what the window holds; a chosen value stays even when it has gone. */
function fillSelect(select, values) {
  const current = select.value;
  const all = [...new Set([...values.filter(Boolean), ...(current ? [current] : [])])];
  select.replaceChildren(h('option', { value: '' }, 'any'), ...all.map((v) => h('option', { value: v }, v)));
  select.value = current;
}

/** Loads the view; returns the status-line text. `stale()` is true once a newer load started. */
export async function loadRequests(since, stale) {
  const filters = { tenant: $('f-tenant').value, alias: $('f-alias').value, location: $('f-location').value, status: $('f-status').value, episode: $('f-episode').value.trim() };
  const [summary, requests, feedback] = await Promise.all([
    admin('/admin/summary', { since }),
    admin('/admin/requests', { since, limit: REQUEST_LIMIT, ...filters }),
    feedbackSummary(),
  ]);
  if (stale()) return undefined;
  fillSelect($('f-tenant'), summary.byTenant.map((g) => g.key));
  fillSelect($('f-alias'), summary.byAlias.map((g) => g.key));
  fillSelect($('f-status'), summary.byStatus.map((g) => g.key).sort());
  lastRows = requests.data;
  renderRequests();
  renderFeedback(feedback);
  prefillExplain(summary);
  return (requests.data.length >= REQUEST_LIMIT ? `newest ${REQUEST_LIMIT} requests shown` : `${requests.data.length} requests shown`) + (filters.episode ? ` of episode ${filters.episode}` : '');
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
    ? h('div', { class: 'table-wrap' }, h('table', { class: 'compact' }, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '#'), h('th', { scope: 'col' }, 'Eligible deployment'), h('th', { scope: 'col' }, 'Where'), h('th', { scope: 'col' }, 'Why'))),
      h('tbody', {}, x.eligible.map((e, i) => h('tr', {}, h('td', { class: 'muted' }, String(i + 1)), h('td', { class: 'mono' }, e.deployment), h('td', {}, locationBadge(e.location)), h('td', {}, e.reason))))))
    : '';
  const excluded = x.excluded?.length
    ? h('div', { class: 'table-wrap' }, h('table', { class: 'compact' }, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Excluded deployment'), h('th', { scope: 'col' }, 'Rule'), h('th', { scope: 'col' }, 'Why'))),
      h('tbody', {}, x.excluded.map((e) => h('tr', { class: 'excluded' }, h('td', { class: 'mono' }, e.deployment), h('td', {}, e.rule), h('td', {}, e.reason))))))
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

/** Wires the view's controls once; `load` reloads the view. */
export function initRequests(load) {
  reload = load;
  $('filters').addEventListener('change', (e) => e.target.id !== 'f-search' && load());
  $('filters').addEventListener('submit', (e) => (e.preventDefault(), load()));
  $('f-episode').addEventListener('search', () => load()); // the field's clear button
  $('f-search').addEventListener('input', renderRequests); // in the page: no round-trip per key
  $('fb-window').addEventListener('change', () => loadFeedback());
  $('explain-form').addEventListener('submit', onExplain);
}
