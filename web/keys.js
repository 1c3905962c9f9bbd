// The Keys view (master key): list the virtual keys (GET /admin/keys), create one (POST
// /admin/keys; the secret is shown once, here, and never again), edit its models, data policy and limits (PATCH
// /admin/keys) and revoke it (POST /admin/keys/revoke, after a confirmation step).
import { admin, adminSend } from './api.js';
import { $, clock, empty, h, int, table, usd } from './dom.js';

let reload = () => {};

const numberOrUndefined = (v) => (v.trim() === '' ? undefined : Number(v));

function limitsText(k) {
  const parts = [];
  if (k.rpm !== undefined) parts.push(`${int(k.rpm)} req/min`);
  if (k.tpm !== undefined) parts.push(`${int(k.tpm)} tok/min`);
  return parts.length ? parts.join(' · ') : h('span', { class: 'muted' }, 'none');
}

function budgetText(b) {
  if (!b) return h('span', { class: 'muted' }, 'none');
  const amount = [b.usd !== undefined ? usd(b.usd) : '', b.tokens !== undefined ? `${int(b.tokens)} tok` : ''].filter(Boolean).join(' + ');
  return `${amount} / ${b.period} (${({ hard: 'refuse', soft: 'warn', downgrade: 'route local' })[b.mode ?? 'hard']})`;
}

/** The new key's secret: shown once, with a copy button; gone on the next reload of the view. */
function showSecret(created) {
  const secret = h('code', { class: 'secret', id: 'new-key-secret' }, created.key);
  const copy = h('button', { type: 'button', class: 'secondary', onclick: async () => {
    try {
      await navigator.clipboard.writeText(created.key);
      copy.textContent = 'Copied';
    } catch {
      copy.textContent = 'Select and copy it';
    }
  } }, 'Copy');
  $('key-created').replaceChildren(h('div', { class: 'callout ok', role: 'status' },
    h('strong', {}, `Key created for ${created.tenant}. `), 'Copy it now: it is shown only once and only its prefix is kept.',
    h('div', { class: 'secret-row' }, secret, copy)));
}

async function onCreate(e) {
  e.preventDefault();
  const body = { tenant: $('k-tenant').value.trim() };
  const name = $('k-name').value.trim();
  if (name) body.name = name;
  const models = $('k-models').value.split(',').map((m) => m.trim()).filter(Boolean);
  if (models.length) body.models = models;
  for (const [id, field] of [['k-rpm', 'rpm'], ['k-tpm', 'tpm']]) {
    const v = numberOrUndefined($(id).value);
    if (v !== undefined) body[field] = v;
  }
  const budgetUsd = numberOrUndefined($('k-usd').value);
  if (budgetUsd !== undefined) body.budget = { usd: budgetUsd, period: $('k-period').value, mode: $('k-mode').value };
  if ($('k-policy').value) body.dataPolicy = $('k-policy').value;
  try {
    const created = await adminSend('POST', '/admin/keys', body);
    $('key-form').reset();
    await reload();
    showSecret(created);
  } catch (err) {
    $('key-created').replaceChildren(h('div', { class: 'callout bad', role: 'alert' }, 'Not created: ' + err.message));
  }
}

/** The edit row under a key: its limits in a small form; empty fields remove the limit. */
function editRow(k) {
  const field = (labelText, id, value, attrs = {}) =>
    h('label', {}, labelText, ' ', h('input', { id, type: 'number', min: '1', step: attrs.step ?? '1', value: value ?? '', inputmode: 'decimal' }));
  const period = h('select', { id: `e-period-${k.id}` }, ['day', 'month'].map((p) => h('option', { value: p, selected: (k.budget?.period ?? 'day') === p }, p)));
  const mode = h('select', { id: `e-mode-${k.id}` }, [['hard', 'refuse'], ['soft', 'warn'], ['downgrade', 'route local']].map(([v, t]) => h('option', { value: v, selected: (k.budget?.mode ?? 'hard') === v }, t)));
  const status = h('span', { class: 'muted small', role: 'status' });
  const models = h('input', { id: `e-models-${k.id}`, value: k.models.join(', '), maxlength: '2000', spellcheck: 'false', placeholder: 'all' });
  const policy = h('select', { id: `e-policy-${k.id}` }, [['any', 'any location'], ['local-only', 'local only']].map(([v, t]) => h('option', { value: v, selected: (k.dataPolicy ?? 'any') === v }, t)));
  const form = h('form', { class: 'key-form edit', 'aria-label': `Limits of key ${k.prefix}` },
    h('label', {}, 'Models ', models),
    h('label', {}, 'Data ', policy),
    field('Requests / min', `e-rpm-${k.id}`, k.rpm),
    field('Tokens / min', `e-tpm-${k.id}`, k.tpm),
    field('Budget USD', `e-usd-${k.id}`, k.budget?.usd, { step: '0.01' }),
    h('label', {}, 'per ', period),
    h('label', {}, 'when spent ', mode),
    h('button', { type: 'submit' }, 'Save limits'), status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = (id) => numberOrUndefined($(id).value) ?? null;
    const budgetUsd = v(`e-usd-${k.id}`);
    const patch = {
      id: k.id,
      models: models.value.split(',').map((m) => m.trim()).filter(Boolean),
      dataPolicy: policy.value,
      rpm: v(`e-rpm-${k.id}`),
      tpm: v(`e-tpm-${k.id}`),
      budget: budgetUsd === null ? (k.budget?.tokens !== undefined ? { tokens: k.budget.tokens, period: period.value, mode: mode.value } : null) : { usd: budgetUsd, ...(k.budget?.tokens !== undefined ? { tokens: k.budget.tokens } : {}), period: period.value, mode: mode.value },
    };
    try {
      await adminSend('PATCH', '/admin/keys', patch);
      status.textContent = 'Saved.';
      await reload();
    } catch (err) {
      status.textContent = 'Not saved: ' + err.message;
      status.className = 'error small';
    }
  });
  return h('tr', { class: 'detail key-edit' }, h('td', { colspan: 9 }, form));
}

function actions(k) {
  if (k.revokedAt) return h('span', { class: 'muted' }, '—');
  const edit = h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false', onclick: (e) => {
    const row = e.target.closest('tr');
    const next = row.nextElementSibling;
    if (next?.classList.contains('key-edit')) {
      next.remove();
      edit.setAttribute('aria-expanded', 'false');
    } else {
      row.after(editRow(k));
      edit.setAttribute('aria-expanded', 'true');
      row.nextElementSibling.querySelector('input')?.focus();
    }
  } }, 'Edit limits');
  const revoke = h('button', { type: 'button', class: 'danger', onclick: () => {
    // A second, explicit click: revoking cannot be undone.
    const confirm = h('button', { type: 'button', class: 'danger', onclick: async () => {
      try {
        await adminSend('POST', '/admin/keys/revoke', { id: k.id });
        await reload();
      } catch (err) {
        confirm.replaceWith(h('span', { class: 'error small' }, 'Not revoked: ' + err.message));
      }
    } }, `Confirm revoke ${k.prefix}…`);
    const cancel = h('button', { type: 'button', class: 'secondary', onclick: () => box.replaceChildren(edit, revoke) }, 'Cancel');
    box.replaceChildren(confirm, cancel);
    confirm.focus();
  } }, 'Revoke');
  const box = h('span', { class: 'key-actions' }, edit, revoke);
  return box;
}

export async function loadKeys() {
  const { data } = await admin('/admin/keys');
  const keys = data.slice().sort((a, b) => (a.revokedAt ? 1 : 0) - (b.revokedAt ? 1 : 0) || b.createdAt.localeCompare(a.createdAt));
  if (!keys.length) {
    $('keys').replaceChildren(empty('No virtual keys yet: while there are none, requests need no key (auth mode auto). Create one above.'));
    return 'no keys';
  }
  $('keys').replaceChildren(table(keys, [
    ['Key', (k) => h('span', { class: 'mono' }, k.prefix + '…')],
    ['Tenant', (k) => k.tenant],
    ['Name', (k) => k.name ?? h('span', { class: 'muted' }, '—')],
    ['Models', (k) => (k.models.length ? k.models.join(', ') : h('span', { class: 'muted' }, 'all'))],
    ['Limits', limitsText],
    ['Budget', (k) => budgetText(k.budget)],
    ['Data', (k) => k.dataPolicy ?? 'any'],
    ['Status', (k) => (k.revokedAt ? h('span', { class: 'state st-bad', title: k.revokedAt }, 'revoked') : h('span', { class: 'state st-ok', title: 'created ' + k.createdAt }, 'active · ' + clock(k.createdAt)))],
    ['Actions', actions],
  ], { id: 'keys-table', caption: 'Virtual keys', rowAttrs: (k) => ({ 'data-id': k.id, class: k.revokedAt ? 'dim' : '' }) }));
  return `${keys.filter((k) => !k.revokedAt).length} active keys, ${keys.filter((k) => k.revokedAt).length} revoked`;
}

export function initKeys(load) {
  reload = load;
  $('key-form').addEventListener('submit', onCreate);
}
