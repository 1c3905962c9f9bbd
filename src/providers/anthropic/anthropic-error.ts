/**
 * Anthropic error reports that arrive after a 200: the error body
 * `{"type": "error", "error": {"type", "message"}}` (https://docs.anthropic.com/en/api/errors)
 * as a whole response, or as an `event: error` in a stream ("we may occasionally send errors in
 * the event stream", e.g. `overloaded_error`:
 * https://docs.anthropic.com/en/docs/build-with-claude/streaming#error-events).
 */
import { UpstreamError } from '../../errors.js';
import { scrubSecrets } from '../shared/http.js';
import type { ProviderHandle } from '../spec.js';

/**
 * HTTP status equivalent of each documented error type (https://docs.anthropic.com/en/api/errors).
 * An unknown type is 502: the upstream accepted the request and then failed, so another
 * deployment may succeed.
 */
const ERROR_TYPE_STATUS: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/** True when a 200 body is Anthropic's error object rather than a Message. */
export function isAnthropicErrorBody(json: unknown): json is { type: 'error'; error?: { type?: unknown; message?: unknown } } {
  return json !== null && typeof json === 'object' && (json as { type?: unknown }).type === 'error';
}

export function anthropicErrorFailure(
  body: { error?: unknown },
  deployment: string,
  provider: ProviderHandle | undefined,
  when: 'mid-stream' | 'with a 200 status',
): UpstreamError {
  const error = (body.error ?? {}) as { type?: unknown; message?: unknown };
  const type = typeof error.type === 'string' ? error.type : 'api_error';
  const message = typeof error.message === 'string' && error.message ? error.message : 'unknown error';
  return new UpstreamError(scrubSecrets(`Upstream '${deployment}' failed ${when}: ${type}: ${message}`, provider), {
    deployment,
    upstreamStatus: ERROR_TYPE_STATUS[type] ?? 502,
    code: type === 'overloaded_error' ? 'upstream_overloaded' : undefined,
  });
}
