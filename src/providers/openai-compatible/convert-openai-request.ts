/**
 * Canonical → OpenAI-compatible request body. The canonical shape *is* OpenAI's, so this only
 * drops what the target would reject and maps the few fields engines disagree on.
 * Reference: https://platform.openai.com/docs/api-reference/chat/create
 */
import type { ChatMessage, ChatRequest } from '../../api/types.js';
import type { OpenAICompatibleSettings } from './settings.js';

/** Meridian-only or engine-unsupported fields never sent upstream. */
const DROPPED = new Set(['metadata']);

export function convertOpenAIRequest(req: ChatRequest, settings: OpenAICompatibleSettings): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const known = settings.knownFields;
  // The fields mapped below are skipped here rather than deleted after: a `delete` turns the
  // body into a slow dictionary-mode object that JSON.stringify then walks for every request.
  for (const key in req) {
    if (key === 'max_tokens' || key === 'max_completion_tokens' || DROPPED.has(key) || (known && !known.has(key))) continue;
    // Where the client put it (the body's bytes stay as they were); dropped when not streaming.
    if (key === 'stream_options') {
      if (req.stream) body.stream_options = { ...req.stream_options, include_usage: true };
      continue;
    }
    body[key] = (req as unknown as Record<string, unknown>)[key];
  }
  if (req.messages.some((m) => m.reasoning_content !== undefined)) body.messages = req.messages.map(stripReasoning);
  // Engines disagree on the token limit field: OpenAI's newer models reject `max_tokens`, many
  // local servers only know `max_tokens`.
  const limit = req.max_completion_tokens ?? req.max_tokens;
  if (limit !== undefined) body[settings.maxTokensField] = limit;
  // Always ask for usage so cost is exact; the server drops the usage chunk if the client did not ask.
  if (req.stream && body.stream_options === undefined) body.stream_options = { ...req.stream_options, include_usage: true };
  return body;
}

function stripReasoning(m: ChatMessage): ChatMessage {
  if (m.reasoning_content === undefined) return m;
  const { reasoning_content: _dropped, ...rest } = m;
  return rest;
}
