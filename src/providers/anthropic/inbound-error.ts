/**
 * Anthropic's error body for a gateway error. Its own module: the Messages route's error format
 * is registered with the route table at start-up, while the rest of the Anthropic wire
 * (./inbound.ts, its request schema) loads with the first Messages request.
 */
import { MeridianError, UpstreamError } from '../../errors.js';

/** Error type names from https://docs.anthropic.com/en/api/errors ; never the cause's internals. */
export function errorToAnthropic(err: unknown): { type: string; message: string } {
  if (!(err instanceof MeridianError)) return { type: 'api_error', message: 'Internal error in the gateway.' };
  // An overloaded upstream is rendered as 502 by Meridian; Anthropic clients retry on overloaded_error.
  const s = err instanceof UpstreamError && err.upstreamStatus === 529 ? 529 : err.status;
  const type =
    s === 429
      ? 'rate_limit_error'
      : s === 400 || s === 415 || s === 422
        ? 'invalid_request_error'
        : s === 401
          ? 'authentication_error'
          : s === 403
            ? 'permission_error'
            : s === 404
              ? 'not_found_error'
              : s === 503 || s === 529
                ? 'overloaded_error'
                : 'api_error';
  return { type, message: err.message };
}
