/**
 * Converse response → canonical chat completion. text blocks → content, reasoningContent →
 * reasoning_content, toolUse → tool_calls (or, for the JSON-mode tool, the answer text).
 * Reference: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_ResponseSyntax
 */
import type { ChatResponse, ToolCall } from '../../api/types.js';
import { UpstreamError } from '../../errors.js';
import { newId, nowSeconds } from '../shared/ids.js';
import type { ConverseResponse } from './bedrock-api.js';
import { convertBedrockUsage } from './convert-bedrock-usage.js';
import { mapBedrockFinishReason } from './map-bedrock-finish-reason.js';

export function convertBedrockResponse(json: ConverseResponse, model: string, deployment: string, jsonToolName?: string): ChatResponse {
  const content = json?.output?.message?.content;
  if (!Array.isArray(content)) {
    throw new UpstreamError(`Upstream '${deployment}' returned a body that is not a Converse response.`, {
      deployment,
      upstreamStatus: 502,
    });
  }
  let text = '';
  let reasoning = '';
  let answeredWithJsonTool = false;
  const toolCalls: ToolCall[] = [];
  for (const block of content) {
    if (block === null || typeof block !== 'object') continue;
    if (typeof block.text === 'string') text += block.text;
    else if (block.reasoningContent && typeof block.reasoningContent === 'object') {
      const r = (block.reasoningContent as { reasoningText?: { text?: unknown } }).reasoningText?.text;
      if (typeof r === 'string') reasoning += r;
    } else if (block.toolUse && typeof block.toolUse === 'object') {
      const t = block.toolUse as { toolUseId?: unknown; name?: unknown; input?: unknown };
      const name = typeof t.name === 'string' ? t.name : '';
      if (jsonToolName && name === jsonToolName) {
        text = JSON.stringify(t.input ?? {});
        answeredWithJsonTool = true;
      } else {
        const id = typeof t.toolUseId === 'string' ? t.toolUseId : newId('call');
        toolCalls.push({ id, type: 'function', function: { name, arguments: JSON.stringify(t.input ?? {}) } });
      }
    }
    // image, document, citations and future blocks carry nothing the canonical shape holds.
  }
  let finish = mapBedrockFinishReason(json.stopReason);
  if (answeredWithJsonTool && toolCalls.length === 0 && finish === 'tool_calls') finish = 'stop';
  const message: ChatResponse['choices'][number]['message'] = {
    role: 'assistant',
    content: text === '' && toolCalls.length > 0 ? null : text,
  };
  if (toolCalls.length) message.tool_calls = toolCalls;
  if (reasoning) message.reasoning_content = reasoning;
  const res: ChatResponse = {
    id: newId('chatcmpl'),
    object: 'chat.completion',
    created: nowSeconds(),
    model,
    choices: [{ index: 0, message, finish_reason: finish }],
  };
  const usage = convertBedrockUsage(json.usage);
  if (usage) res.usage = usage;
  return res;
}
