/** Connection failures of the PostgreSQL store, named without the password. */
import { MeridianError } from '../../errors.js';

/** Startup failure naming the server without its password. */
export function unavailable(what: string, url: string, cause: unknown): MeridianError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new MeridianError(503, 'service_unavailable', 'store_unavailable', `${what} at ${maskUrl(url)} is not usable: ${reason}`, {
    cause,
  });
}

export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    const auth = u.username || u.password ? `${u.username}${u.password ? ':***' : ''}@` : '';
    // Query parameters are dropped too: they may carry a password (`?password=`).
    return `${u.protocol}//${auth}${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}
