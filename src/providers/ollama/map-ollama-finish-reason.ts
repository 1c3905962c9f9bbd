/**
 * Ollama `done_reason` → canonical `finish_reason`.
 * Reference: https://github.com/ollama/ollama/blob/main/docs/api.md (done_reason `stop`,
 * `length`, and `load`/`unload` for requests with no messages).
 *
 * Ollama reports `stop` when the model called tools; OpenAI clients expect `tool_calls` then, so
 * the caller says whether any tool call was seen.
 */
import type { FinishReason } from '../../api/types.js';

export function mapOllamaFinishReason(doneReason: string | undefined, sawToolCalls: boolean): FinishReason {
  if (sawToolCalls) return 'tool_calls';
  if (doneReason === 'length') return 'length';
  return 'stop';
}

/** The reverse, for the inbound (mock server) direction. */
export function toOllamaDoneReason(finish: FinishReason | null | undefined): string {
  return finish === 'length' ? 'length' : 'stop';
}
