/**
 * The OpenAI error object (https://platform.openai.com/docs/guides/error-codes ,
 * https://platform.openai.com/docs/api-reference/responses-streaming/error):
 * `{"error": {"message", "type", "param", "code"}}`. OpenAI-compatible engines send the same
 * shape, sometimes with a 200 status (vLLM, llama-server, proxies) or as a bare string.
 */
export interface OpenAIErrorBody {
  error?: { message?: unknown; type?: unknown; code?: unknown } | string | null;
  message?: unknown;
}

/** True when a 200 body is an error report rather than a completion. */
export function isErrorBody(json: unknown): json is OpenAIErrorBody {
  if (json === null || typeof json !== 'object') return false;
  const j = json as OpenAIErrorBody & { choices?: unknown };
  return j.error !== undefined && j.error !== null && !Array.isArray(j.choices);
}

export function errorBodyMessage(json: OpenAIErrorBody): string {
  const e = json.error;
  if (typeof e === 'string' && e) return e;
  if (e && typeof e === 'object') {
    const kind = typeof e.type === 'string' ? `${e.type}: ` : '';
    if (typeof e.message === 'string' && e.message) return kind + e.message;
    if (kind) return kind + 'no message';
  }
  return typeof json.message === 'string' && json.message ? json.message : 'unknown error';
}
