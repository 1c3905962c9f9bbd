/**
 * Gemini's error object after a 200: `{"error": {"code", "message", "status"}}`, the same shape
 * as its error responses (https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes),
 * sent as a whole body or as one fragment of a stream.
 */
import { UpstreamError } from '../../errors.js';
import { scrubSecrets } from '../shared/http.js';
import type { ProviderHandle } from '../spec.js';

export interface GeminiErrorObject {
  code?: unknown;
  message?: unknown;
  status?: unknown;
}

/** The upstream's own code when it is an HTTP error status; otherwise 502 (retryable: another deployment may succeed). */
export function geminiErrorFailure(
  error: GeminiErrorObject,
  deployment: string,
  provider: ProviderHandle,
  when: 'mid-stream' | 'with a 200 status',
): UpstreamError {
  const status = typeof error.code === 'number' && error.code >= 400 && error.code <= 599 ? error.code : 502;
  const detail =
    typeof error.message === 'string' && error.message ? error.message : typeof error.status === 'string' ? error.status : 'unknown error';
  return new UpstreamError(scrubSecrets(`Upstream '${deployment}' failed ${when}: ${detail}`, provider), {
    deployment,
    upstreamStatus: status,
  });
}
