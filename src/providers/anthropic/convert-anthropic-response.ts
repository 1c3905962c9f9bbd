/**
 * Anthropic Message (non-streamed response) → canonical chat completion.
 * text blocks → content, thinking blocks → reasoning_content, tool_use → tool_calls (or, for
 * the JSON-mode tool, the answer text). Reference: https://docs.anthropic.com/en/api/messages
 */
import type { ChatResponse, ToolCall } from '../../api/types.js';
import { nowSeconds } from '../shared/ids.js';
import type { AnthropicMessage } from './anthropic-api.js';
import { convertAnthropicUsage } from './convert-anthropic-usage.js';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason.js';

export function convertAnthropicResponse(msg: AnthropicMessage, jsonToolName?: string): ChatResponse {
  let text = '';
  let reasoning = '';
  let answeredWithJsonTool = false;
  const toolCalls: ToolCall[] = [];
  for (const block of Array.isArray(msg.content) ? msg.content : []) {
    if (block.type === 'text' && typeof block.text === 'string') text += block.text;
    else if (block.type === 'thinking' && typeof block.thinking === 'string') reasoning += block.thinking;
    else if (block.type === 'tool_use') {
      const b = block as { id: string; name: string; input: unknown };
      if (jsonToolName && b.name === jsonToolName) {
        // JSON mode: the tool input is the answer (see JSON_TOOL_NAME). Text the model wrote
        // before the call is preamble, not part of the JSON document.
        text = JSON.stringify(b.input ?? {});
        answeredWithJsonTool = true;
      } else {
        toolCalls.push({ id: b.id, type: 'function', function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) } });
      }
    }
    // redacted_thinking, server tool blocks and future block types carry nothing the canonical
    // shape can hold.
  }
  let finish = mapAnthropicFinishReason(msg.stop_reason);
  if (answeredWithJsonTool && toolCalls.length === 0 && finish === 'tool_calls') finish = 'stop';
  const message: ChatResponse['choices'][number]['message'] = {
    role: 'assistant',
    content: text === '' && toolCalls.length > 0 ? null : text,
  };
  if (toolCalls.length) message.tool_calls = toolCalls;
  if (reasoning) message.reasoning_content = reasoning;
  const res: ChatResponse = {
    id: msg.id,
    object: 'chat.completion',
    created: nowSeconds(),
    model: msg.model,
    choices: [{ index: 0, message, finish_reason: finish }],
  };
  if (msg.usage) res.usage = convertAnthropicUsage(msg.usage);
  return res;
}
