// The dashboard's only I/O: the master key in sessionStorage and same-origin calls to the admin API
// and POST /v1/route/explain. Nothing else is fetched; the page's CSP forbids other origins anyway.

const KEY_NAME = 'meridian.masterKey';

export function getKey() {
  return sessionStorage.getItem(KEY_NAME);
}

export function setKey(key) {
  sessionStorage.setItem(KEY_NAME, key);
}

export function forgetKey() {
  sessionStorage.removeItem(KEY_NAME);
}

/**
 * `/ui#key=…` (for scripted checks): the fragment never leaves the browser (it is not part of the
 * HTTP request); move it to sessionStorage and drop it from the address bar and history at once.
 */
export function adoptKeyFromFragment() {
  const params = new URLSearchParams(location.hash.slice(1));
  const key = params.get('key');
  if (!key) return;
  setKey(key);
  history.replaceState(null, '', location.pathname + location.search);
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function call(path, init) {
  let res;
  try {
    res = await fetch(path, { cache: 'no-store', ...init });
  } catch {
    throw new ApiError(0, 'network', 'The gateway did not answer (is it running?).');
  }
  const body = await res.json().catch(() => undefined);
  if (!res.ok) {
    const err = body && body.error ? body.error : {};
    throw new ApiError(res.status, err.code || 'http_' + res.status, err.message || 'HTTP ' + res.status);
  }
  return body;
}

/** GET an admin endpoint; `params` with empty values are left out. */
export function admin(path, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const qs = q.toString();
  return call(path + (qs ? '?' + qs : ''), { headers: { authorization: 'Bearer ' + getKey() } });
}

/** POST / PATCH an admin endpoint with a JSON body (key management). */
export function adminSend(method, path, body) {
  return call(path, {
    method,
    headers: { authorization: 'Bearer ' + getKey(), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/**
 * Explains a chat request without running it. With a virtual key: POST /v1/route/explain as that
 * key's tenant (the master key is never sent to /v1). Without: POST /admin/route/explain with the
 * master key, i.e. the plan for a request that carries no tenant.
 */
export function explain(requestJson, virtualKey) {
  const headers = { 'content-type': 'application/json', authorization: 'Bearer ' + (virtualKey || getKey()) };
  return call(virtualKey ? '/v1/route/explain' : '/admin/route/explain', { method: 'POST', headers, body: requestJson });
}
