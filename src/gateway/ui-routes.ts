/**
 * The operator dashboard: the static files in `web/` served at `GET /ui` and `GET /ui/<file>`.
 * The files are read once at start into memory and each becomes one exact route, so no request
 * path ever reaches the file system: `..`, encoded or not, simply matches no route (404).
 * The page holds no data of its own; it calls the admin API with the master key the operator
 * types in (kept in the tab's sessionStorage), so serving it needs no auth.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NotFoundError } from '../errors.js';
import type { RouteHandler, RouteTable } from '../server/app.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** Same-origin only: the page may talk to this gateway and nothing else (no CDNs, no beacons). */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  // Small files; revalidating on every load means an upgraded gateway never serves a stale page.
  'cache-control': 'no-cache',
};

/** `web/` next to `src/` or `dist/` (this file is `<root>/{src,dist}/gateway/ui-routes.*`). */
export function defaultWebDir(): string {
  return fileURLToPath(new URL('../../web/', import.meta.url));
}

/** Routes for the dashboard; files are read now, once. Missing `web/` → `/ui` answers a clear 404. */
export function uiRoutes(dir: string = defaultWebDir()): RouteTable {
  const routes: RouteTable = new Map();
  const files = readWebFiles(dir);
  const index = files.get('index.html');
  if (!index) {
    const missing: RouteHandler = () => {
      throw new NotFoundError(`The dashboard files are not installed (expected ${join(dir, 'index.html')}).`, 'ui_not_installed');
    };
    routes.set('GET /ui', { handler: missing, access: 'public' });
    routes.set('GET /ui/', { handler: missing, access: 'public' });
    return routes;
  }
  // Public: the files hold no data; the page calls the admin API with the master key the operator types in.
  for (const [name, file] of files) routes.set(`GET /ui/${name}`, { handler: serve(file), access: 'public' });
  for (const [name, file] of readVendorFiles()) routes.set(`GET /ui/vendor/${name}`, { handler: serve(file), access: 'public' });
  routes.set('GET /ui', { handler: serve(index), access: 'public' });
  routes.set('GET /ui/', { handler: serve(index), access: 'public' });
  return routes;
}

interface WebFile {
  body: Buffer;
  contentType: string;
}

/** Top-level regular files with a known type; anything else in the folder is never served. */
function readWebFiles(dir: string): Map<string, WebFile> {
  const files = new Map<string, WebFile>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return files;
  }
  for (const name of names.sort()) {
    const contentType = CONTENT_TYPES[extname(name).toLowerCase()];
    if (!contentType || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) continue;
    const path = join(dir, name);
    if (!statSync(path).isFile()) continue;
    files.set(name, { body: readFileSync(path), contentType });
  }
  return files;
}

/**
 * The charting library (uPlot, MIT, a dependency in package.json) served from node_modules by the
 * gateway itself: no CDN, works offline, and the npm package needs no copy of it. Read once, now;
 * when it cannot be found the dashboard shows its numbers without charts.
 */
export const VENDOR_FILES: Record<string, string> = {
  'uplot.esm.js': 'uplot/dist/uPlot.esm.js',
  'uplot.min.css': 'uplot/dist/uPlot.min.css',
};

function readVendorFiles(): Map<string, WebFile> {
  const files = new Map<string, WebFile>();
  const require = createRequire(import.meta.url);
  for (const [name, spec] of Object.entries(VENDOR_FILES)) {
    try {
      files.set(name, { body: readFileSync(require.resolve(spec)), contentType: CONTENT_TYPES[extname(name)]! });
    } catch {
      // Not installed (a trimmed install): the page checks for the module and degrades to tables.
    }
  }
  return files;
}

function serve(file: WebFile): RouteHandler {
  const headers = { ...SECURITY_HEADERS, 'content-type': file.contentType, 'content-length': String(file.body.length) };
  return (_g, ctx) => {
    ctx.res.writeHead(200, headers);
    ctx.res.end(file.body);
  };
}
