/**
 * Whether a `pg` error means "PostgreSQL cannot be reached or cannot serve now" (a 503 for the
 * client, not-ready for the balancer), as opposed to a refused statement (a bug or bad input).
 * https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
const UNAVAILABLE_CLASSES = /^(08|53|57P0[1-4])/; // connection exception, insufficient resources, shutdown

export function isPostgresUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return UNAVAILABLE_CLASSES.test(code);
  // No SQLSTATE: a socket error (ECONNREFUSED, ECONNRESET…), a connect timeout, a dropped connection.
  return err instanceof Error;
}
