/**
 * Gemini `GenerateContentResponse` → canonical chat completion (non-streaming).
 * References: https://ai.google.dev/api/generate-content#generatecontentresponse ,
 * https://ai.google.dev/gemini-api/docs/function-calling (functionCall parts),
 * https://ai.google.dev/gemini-api/docs/thinking#summaries (parts with `thought: true`).
 */
import type { ChatChoice, ChatResponse, ToolCall } from '../../api/types.js';
import { UpstreamError } from '../../errors.js';
import { newId, nowSeconds } from '../shared/ids.js';
import type { GeminiCandidate, GeminiFunctionCall, GeminiGenerateContentResponse, GeminiPart } from './gemini-api.js';
import { convertGeminiUsage } from './convert-gemini-usage.js';
import { mapGeminiFinishReason } from './map-gemini-finish-reason.js';
import { toolCallId } from './gemini-thought-signature.js';

export function convertGeminiResponse(json: GeminiGenerateContentResponse, model: string, deployment: string): ChatResponse {
  const candidates = json.candidates ?? [];
  let choices: ChatChoice[];
  if (candidates.length) {
    choices = candidates.map((c, i) => convertCandidate(c, i));
  } else if (json.promptFeedback?.blockReason) {
    // The prompt itself was blocked (https://ai.google.dev/api/generate-content#BlockReason):
    // reported like OpenAI reports filtered output, so a router does not retry it elsewhere as
    // if the upstream had failed.
    choices = [{ index: 0, message: { role: 'assistant', content: null }, finish_reason: 'content_filter' }];
  } else {
    throw new UpstreamError(`Upstream '${deployment}' returned no candidates.`, { deployment, upstreamStatus: 502 });
  }
  const usage = convertGeminiUsage(json.usageMetadata);
  return {
    id: json.responseId ? `chatcmpl-${json.responseId}` : newId('chatcmpl'),
    object: 'chat.completion',
    created: nowSeconds(),
    model: json.modelVersion ?? model,
    choices,
    ...(usage ? { usage } : {}),
  };
}

function convertCandidate(c: GeminiCandidate, position: number): ChatChoice {
  const { text, reasoning, toolCalls } = splitParts(c.content?.parts ?? []);
  const message: ChatChoice['message'] = { role: 'assistant', content: text === undefined && toolCalls.length ? null : (text ?? '') };
  if (reasoning !== undefined) message.reasoning_content = reasoning;
  if (toolCalls.length) message.tool_calls = toolCalls;
  return { index: c.index ?? position, message, finish_reason: mapGeminiFinishReason(c.finishReason, toolCalls.length > 0) };
}

/** Text parts → content, `thought: true` parts → reasoning, functionCall parts → tool calls. */
export function splitParts(parts: GeminiPart[]): { text?: string; reasoning?: string; toolCalls: ToolCall[] } {
  let text: string | undefined;
  let reasoning: string | undefined;
  const toolCalls: ToolCall[] = [];
  for (const p of parts) {
    if (p.functionCall) toolCalls.push(toToolCall(p.functionCall, p.thoughtSignature));
    else if (typeof p.text === 'string' && p.thought) reasoning = (reasoning ?? '') + p.text;
    else if (typeof p.text === 'string') text = (text ?? '') + p.text;
  }
  return { ...(text !== undefined ? { text } : {}), ...(reasoning !== undefined ? { reasoning } : {}), toolCalls };
}

/**
 * The Developer API gives no call id, so one is made (carrying the part's thought signature, see
 * gemini-thought-signature.ts); arguments become JSON text.
 */
export function toToolCall(call: GeminiFunctionCall, thoughtSignature?: string): ToolCall {
  return {
    id: call.id && !thoughtSignature ? call.id : toolCallId(thoughtSignature),
    type: 'function',
    function: { name: call.name, arguments: JSON.stringify(call.args ?? {}) },
  };
}
