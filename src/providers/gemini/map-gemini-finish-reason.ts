/**
 * Gemini `Candidate.finishReason` → canonical finish reason.
 * Reference: https://ai.google.dev/api/generate-content#FinishReason
 *
 * Gemini says STOP also when the model called functions; OpenAI says `tool_calls`, so the
 * caller passes whether the candidate held a functionCall part. Every safety-type stop becomes
 * `content_filter`. MALFORMED_FUNCTION_CALL / UNEXPECTED_TOOL_CALL / OTHER / LANGUAGE have no
 * OpenAI counterpart and end as `stop` (the text, if any, is what the model produced).
 */
import type { FinishReason } from '../../api/types.js';

const CONTENT_FILTER = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY']);

export function mapGeminiFinishReason(reason: string | undefined, hasFunctionCall: boolean): FinishReason {
  if (reason === 'MAX_TOKENS') return 'length';
  if (reason !== undefined && CONTENT_FILTER.has(reason)) return 'content_filter';
  return hasFunctionCall ? 'tool_calls' : 'stop';
}
