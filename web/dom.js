// Tiny DOM and format helpers shared by the dashboard's views. `h` is the only way views build
// markup: every value is inserted as a text node or an attribute value, never parsed as HTML, so a
// tenant name, an alias or a feedback comment cannot inject markup or script.

export const $ = (id) => document.getElementById(id);

export function h(tag, attrs, ...children) {
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

export const int = (n) => Math.round(n ?? 0).toLocaleString('en-US');
export const pct = (part, whole) => (whole > 0 ? ((100 * part) / whole).toFixed(part === whole || part === 0 ? 0 : 1) + '%' : '—');

export function compact(n) {
  if (n >= 1e9) return (n / 1e9).toFixed(1) + 'B';
  if (n >= 1e6) return (n / 1e6).toFixed(1) + 'M';
  if (n >= 1e4) return (n / 1e3).toFixed(1) + 'k';
  return int(n);
}

export function usd(v) {
  if (v === undefined || v === null) return '—';
  if (v === 0) return '$0';
  if (v >= 100) return '$' + v.toFixed(0);
  if (v >= 1) return '$' + v.toFixed(2);
  if (v >= 0.01) return '$' + v.toFixed(4);
  return '$' + v.toFixed(6);
}

export function ms(v) {
  if (v === undefined || v === null) return '—';
  return v < 1000 ? Math.round(v) + ' ms' : (v / 1000).toFixed(2) + ' s';
}

export function clock(iso) {
  const d = new Date(iso);
  const time = d.toLocaleTimeString('en-GB', { hour12: false });
  return d.toDateString() === new Date().toDateString() ? time : d.toLocaleDateString('en-CA') + ' ' + time;
}

const WINDOW_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `15m` / `1h` / `7d` → the ISO time that long ago. */
export function windowStart(win) {
  const m = /^(\d+)([mhd])$/.exec(win);
  return new Date(Date.now() - Number(m[1]) * WINDOW_MS[m[2]]).toISOString();
}

export const locationBadge = (loc) => h('span', { class: 'badge loc-' + (loc || 'none') }, loc || 'not routed');

export function statusBadge(status) {
  const cls = status < 300 ? 'ok' : status < 500 ? 'warn' : 'bad';
  return h('span', { class: 'badge st-' + cls }, String(status));
}

export function piiChips(pii) {
  const entries = Object.entries(pii ?? {}).filter(([, n]) => n > 0);
  if (!entries.length) return h('span', { class: 'muted' }, '—');
  return h('span', { class: 'chips' }, entries.map(([type, n]) => h('span', { class: 'chip pii' }, `${type} ×${n}`)));
}

export const empty = (text) => h('p', { class: 'muted empty' }, text);
export const label = (key, none) => (key === '' ? h('span', { class: 'muted' }, none) : key);

/** A horizontal bar per item, scaled to the largest. */
export function barList(items, { none = '—', tone = '' } = {}) {
  const max = Math.max(...items.map((i) => i.value), 1);
  return h('ul', { class: 'bars' }, items.map((i) =>
    h('li', { 'data-key': i.key },
      h('span', { class: 'bar-label', title: i.key || none }, label(i.key, none)),
      h('span', { class: 'bar-track', 'aria-hidden': 'true' }, h('span', { class: 'bar-fill ' + tone, style: { width: Math.max(2, (100 * i.value) / max) + '%' } })),
      h('span', { class: 'bar-value' }, i.text ?? int(i.value), i.errors ? h('span', { class: 'err', title: 'errors' }, ` · ${int(i.errors)} err`) : ''))));
}

/** Requests, errors, tokens, cost and average latency per group of a summary (by alias, deployment, tenant…). */
export function groupTable(groups, { none, title, id, narrow = false }) {
  if (!groups.length) return empty('Nothing in this window.');
  const total = groups.reduce((a, g) => a + g.requests, 0);
  const th = (text, cls) => h('th', { scope: 'col', class: cls ?? 'num' }, text);
  // Narrow (a third of the page): the cost columns only, so the table never scrolls sideways.
  return h('div', { class: 'table-wrap' }, h('table', { class: 'compact groups', ...(id ? { id } : {}) },
    h('thead', {}, h('tr', {}, th(title, ''), th('Requests'), narrow ? '' : th('Errors'), th('Tokens'), th('Cost'), narrow ? '' : th('Avg latency'))),
    h('tbody', {}, groups.map((g) => h('tr', { 'data-key': g.key },
      h('td', { class: 'name', title: g.key || none }, h('span', { class: 'clip' }, label(g.key, none))),
      h('td', { class: 'num' }, h('span', { class: 'share', style: { width: `calc((100% - 64px) * ${(g.requests / total).toFixed(4)})` } }), int(g.requests)),
      narrow ? '' : h('td', { class: 'num' + (g.errors ? ' err' : ' muted') }, int(g.errors)),
      h('td', { class: 'num' }, compact(g.promptTokens + g.completionTokens)),
      h('td', { class: 'num', 'data-usd': g.costUsd }, usd(g.costUsd)),
      narrow ? '' : h('td', { class: 'num' }, ms(g.avgLatencyMs)))))));
}

/** A simple table: `columns` are [title, (row) → cell content, className?]. */
export function table(rows, columns, { id, caption, rowAttrs } = {}) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'compact', ...(id ? { id } : {}) },
    caption ? h('caption', { class: 'sr-only' }, caption) : '',
    h('thead', {}, h('tr', {}, columns.map(([title, , cls]) => h('th', { scope: 'col', class: cls ?? '' }, title)))),
    h('tbody', {}, rows.map((r) => h('tr', rowAttrs ? rowAttrs(r) : {}, columns.map(([, cell, cls]) => h('td', { class: cls ?? '' }, cell(r))))))));
}

export function kpi(title, value, sub, cls, id) {
  return h('div', { class: 'kpi card ' + (cls ?? ''), ...(id ? { id } : {}) },
    h('div', { class: 'kpi-title' }, title), h('div', { class: 'kpi-value' }, value), h('div', { class: 'kpi-sub muted' }, sub));
}

/** An error box inside a view's container. */
export function failure(err) {
  return h('p', { class: 'error', role: 'alert' }, 'Could not load: ' + (err?.message ?? String(err)));
}
