/**
 * Checks every request passes before any route runs, so a web page in the user's browser cannot
 * use a gateway on their machine:
 * - `Host` must name this gateway when it is bound to loopback (DNS rebinding makes a hostile
 *   page same-origin with 127.0.0.1, but its `Host` header still says the attacker's name);
 * - an `Origin` other than the gateway's own must be listed in `server.cors.origins`;
 * - a request body must be declared JSON (an HTML form can post text/plain cross-site with no
 *   preflight; `application/json` forces one, which the origin check then refuses).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MeridianError, PermissionDeniedError } from '../errors.js';
import type { ServerConfig } from '../config/schema.js';

/** Request headers a browser may send cross-origin once its origin is allowed. */
const ALLOWED_REQUEST_HEADERS =
  'authorization, content-type, x-api-key, x-request-id, x-meridian-tags, x-meridian-episode, anthropic-version, anthropic-beta, openai-organization';
/** Response headers a cross-origin page may read. */
const EXPOSED_HEADERS =
  'x-request-id, x-meridian-route, x-meridian-cost-usd, x-meridian-pii, x-meridian-prompt, x-meridian-variant, x-meridian-audio-seconds, retry-after';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

export interface RequestChecks {
  /** Throws when the `Host` or `Origin` is not allowed; sets the CORS headers for an allowed foreign origin. */
  checkSource(req: IncomingMessage, res: ServerResponse): void;
  /** Throws 415 when a request with a body does not declare it as JSON (or as multipart on a route that takes uploads). */
  checkContentType(req: IncomingMessage, body?: 'json' | 'multipart'): void;
  /** Answers a CORS preflight for a path served with `methods`. Throws when the origin is not allowed. */
  preflight(req: IncomingMessage, res: ServerResponse, methods: string[]): void;
}

/** `boundAddress` is the address the server listens on (undefined before it listens). */
export function createRequestChecks(cfg: ServerConfig, boundAddress: () => string | undefined): RequestChecks {
  const hosts = new Set([...LOOPBACK_NAMES, ...cfg.allowedHosts.map((h) => h.toLowerCase())]);
  const origins = new Set(cfg.cors.origins.map((o) => o.toLowerCase()));

  function checkHost(req: IncomingMessage): void {
    const bound = boundAddress();
    if (bound === undefined || !isLoopbackAddress(bound)) return;
    const raw = req.headers.host ?? '';
    const name = hostName(raw);
    if (name !== undefined && (hosts.has(name) || name === bound || `[${name}]` === bound)) return;
    throw new PermissionDeniedError(
      `Host '${printable(raw)}' is not allowed: this gateway listens on loopback and answers only to localhost, 127.0.0.1 and [::1]. ` +
        'Add the name to server.allowedHosts if a proxy forwards it here.',
      'host_not_allowed',
    );
  }

  function foreignOrigin(req: IncomingMessage): string | undefined {
    const origin = req.headers.origin;
    if (origin === undefined) return undefined;
    const host = req.headers.host;
    // The gateway's own pages (the dashboard) are same-origin; browsers still send Origin on their POSTs.
    if (host && (origin === `http://${host}` || origin === `https://${host}`)) return undefined;
    if (origins.has(origin.toLowerCase())) return origin;
    throw new PermissionDeniedError(
      `Origin '${printable(origin)}' may not call this gateway. Add it to server.cors.origins to allow browser pages from it.`,
      'origin_not_allowed',
    );
  }

  return {
    checkSource(req, res) {
      checkHost(req);
      const origin = foreignOrigin(req);
      if (origin === undefined) return;
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
      res.setHeader('vary', 'Origin');
    },
    checkContentType(req, body = 'json') {
      if (!hasBody(req)) return;
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type === 'application/json') return;
      // A form can post multipart cross-site without a preflight, but never with the key, and the
      // Origin check above refuses foreign pages first.
      if (body === 'multipart' && type === 'multipart/form-data') return;
      throw new MeridianError(
        415,
        'invalid_request_error',
        'unsupported_media_type',
        `The request body must be JSON sent with "Content-Type: application/json" (got '${printable(type) || 'none'}').`,
      );
    },
    preflight(req, res, methods) {
      checkHost(req);
      const origin = req.headers.origin;
      if (origin === undefined || !origins.has(origin.toLowerCase())) {
        throw new PermissionDeniedError(
          `Origin '${printable(origin ?? '')}' may not call this gateway. Add it to server.cors.origins to allow browser pages from it.`,
          'origin_not_allowed',
        );
      }
      res.writeHead(204, {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': methods.join(', '),
        'access-control-allow-headers': ALLOWED_REQUEST_HEADERS,
        'access-control-max-age': String(cfg.cors.maxAgeSeconds),
        vary: 'Origin',
      });
      res.end();
    },
  };
}

export function isLoopbackAddress(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.') || address === 'localhost';
}

/** The host part of a `Host` header, lower-cased: `[::1]:4000` → `[::1]`, `a.b:80` → `a.b`. */
function hostName(header: string): string | undefined {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(0, end + 1) : undefined;
  }
  const colon = h.indexOf(':');
  const name = colon < 0 ? h : h.slice(0, colon);
  return name || undefined;
}

function hasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
}

/** Echoed client text: bounded and free of control characters. */
function printable(s: string): string {
  return s.slice(0, 100).replace(/[\u0000-\u001f\u007f]/g, '?');
}
