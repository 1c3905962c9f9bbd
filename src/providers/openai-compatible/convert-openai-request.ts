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
  for (const key in req) {
    if (!DROPPED.has(key) && (!known || known.has(key))) body[key] = (req as unknown as Record<string, unknown>)[key];
  }
  if (req.messages.some((m) => m.reasoning_content !== undefined)) body.messages = req.messages.map(stripReasoning);
  // Engines disagree on the token limit field: OpenAI's newer models reject `max_tokens`, many
  // local servers only know `max_tokens`.
  const limit = req.max_completion_tokens ?? req.max_tokens;
  delete body.max_tokens;
  delete body.max_completion_tokens;
  if (limit !== undefined) body[settings.maxTokensField] = limit;
  if (req.stream) {
    // Always ask for usage so cost is exact; the server drops the usage chunk if the client did not ask.
    body.stream_options = { ...req.stream_options, include_usage: true };
  } else {
    delete body.stream_options;
  }
  return body;
}

function stripReasoning(m: ChatMessage): ChatMessage {
  if (m.reasoning_content === undefined) return m;
  const { reasoning_content: _dropped, ...rest } = m;
  return rest;
}
