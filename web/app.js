// Meridian operator dashboard: the shell. Signs in with the master key (./api.js), switches between
// the views by the URL fragment (`#/overview`, `#/requests`, `#/providers`, `#/cost`, `#/privacy`,
// `#/keys`), and loads the shown view for the chosen window, again every 15 s while the tab is
// visible. Each view is its own module; every value from the server is inserted as text (./dom.js).
import { adoptKeyFromFragment, ApiError, forgetKey, getKey, setKey } from './api.js';
import { loadCost } from './cost.js';
import { $, clock, windowStart } from './dom.js';
import { initKeys, loadKeys } from './keys.js';
import { loadOverview } from './overview.js';
import { loadPrivacy } from './privacy.js';
import { loadProviders } from './providers.js';
import { initRequests, loadRequests } from './requests.js';

const REFRESH_MS = 15_000;
const VIEWS = {
  overview: loadOverview,
  requests: loadRequests,
  providers: loadProviders,
  cost: loadCost,
  privacy: loadPrivacy,
  keys: loadKeys,
};
/** Views the window selector applies to. */
const WINDOWED = new Set(['overview', 'requests', 'cost', 'privacy']);

let loadSeq = 0;
let timer;

function currentView() {
  const name = location.hash.replace(/^#\/?/, '');
  return Object.hasOwn(VIEWS, name) ? name : 'overview';
}

function showView(name, { focus = false } = {}) {
  for (const v of Object.keys(VIEWS)) $('view-' + v).hidden = v !== name;
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.view === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  $('window').disabled = !WINDOWED.has(name);
  if (name !== 'keys') $('key-created').replaceChildren(); // a new key's secret is shown once, then gone
  document.title = `Meridian · ${name} · operator dashboard`;
  if (focus) $('h-' + name).focus({ preventScroll: false });
}

function showGate(message) {
  clearInterval(timer);
  $('dashboard').hidden = true;
  $('controls').hidden = true;
  $('nav').hidden = true;
  $('gate').hidden = false;
  $('gate-error').hidden = !message;
  $('gate-error').textContent = message ?? '';
  $('key-created').replaceChildren();
  $('key').focus();
}

function showDashboard() {
  $('gate').hidden = true;
  $('dashboard').hidden = false;
  $('controls').hidden = false;
  $('nav').hidden = false;
  showView(currentView());
  schedule();
  void load();
}

function schedule() {
  clearInterval(timer);
  if ($('auto').checked) timer = setInterval(() => document.visibilityState === 'visible' && load(), REFRESH_MS);
}

async function load() {
  const seq = ++loadSeq;
  const view = currentView();
  const stale = () => seq !== loadSeq;
  $('status-line').classList.remove('error');
  $('status-line').textContent = 'Loading…';
  try {
    const shown = await VIEWS[view](windowStart($('window').value), stale);
    if (stale() || shown === undefined) return; // a newer load started; its answer wins
    $('status-line').textContent = `Updated ${clock(new Date().toISOString())} · ${shown}` + ($('auto').checked ? ` · refreshes every ${REFRESH_MS / 1000} s` : '');
  } catch (err) {
    if (stale()) return;
    if (err instanceof ApiError && err.status === 401) {
      forgetKey();
      return showGate('The master key was refused.');
    }
    if (err instanceof ApiError && err.code === 'admin_disabled') return showGate(err.message);
    $('status-line').classList.add('error');
    $('status-line').textContent = 'Could not load: ' + err.message;
  }
}

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
  window.addEventListener('hashchange', () => {
    if ($('dashboard').hidden) return;
    showView(currentView(), { focus: true });
    void load();
  });
  initRequests(load);
  initKeys(load);
  if (getKey()) showDashboard();
  else showGate();
}

start();
