/**
 * What the mock says when no rule decides: a pure function of the request.
 * - the last message is a tool result → a short answer that quotes the result;
 * - tools are offered and the prompt points at one (or `tool_choice` demands one) → a tool call
 *   with arguments generated from the tool's JSON Schema;
 * - `response_format` json_schema/json_object → JSON that validates against the schema;
 * - "Say 'X'" / "Say X and nothing else" → exactly X;
 * - otherwise an echo-style answer with a hash of the request, so different prompts differ.
 */
import type { ChatMessage, ChatRequest, FunctionTool, ToolCall } from '../api/types.js';
import { hash32, hashHex, stableStringify } from './determinism.js';
import { sampleFromSchema } from './schema-sample.js';
import { contentText } from './tokens.js';

export interface DraftAnswer {
  content: string | null;
  toolCalls: ToolCall[];
}

export function lastUserText(messages: ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.role === 'user') return contentText(messages[i]!.content);
  }
  return '';
}

/** "Say 'X' and nothing else", `Say "X"`, "say X." → X; null when the prompt asks something else. */
export function extractSayRequest(text: string): string | null {
  const quoted = /\bsay\s*:?\s*(?:'([^']+)'|"([^"]+)"|“([^”]+)”|‘([^’]+)’|`([^`]+)`)/i.exec(text);
  if (quoted) return (quoted[1] ?? quoted[2] ?? quoted[3] ?? quoted[4] ?? quoted[5])!;
  const bare = /^\s*(?:please\s+)?(?:just\s+)?say\s+(.+?)(?:\s*,?\s+and\s+nothing\s+else)?\s*[.!]?\s*$/is.exec(text);
  return bare ? bare[1]!.trim() : null;
}

export function makeToolCall(tool: FunctionTool, seedText: string, args?: Record<string, unknown> | string): ToolCall {
  const argumentsText =
    typeof args === 'string'
      ? args
      : JSON.stringify(args ?? sampleFromSchema(tool.function.parameters ?? { type: 'object' }, hash32(seedText)));
  return {
    id: `call_${hashHex(`${seedText}|${tool.function.name}`, 24)}`,
    type: 'function',
    function: { name: tool.function.name, arguments: argumentsText },
  };
}

/** The tool the prompt points at, or — when the request demands a call — the first one. */
export function chooseTool(request: ChatRequest, prompt: string): FunctionTool | null {
  const tools = request.tools ?? [];
  const choice = request.tool_choice;
  if (!tools.length || choice === 'none') return null;
  if (choice && typeof choice === 'object') return tools.find((t) => t.function.name === choice.function.name) ?? null;
  const words = new Set(prompt.toLowerCase().match(/[a-z0-9]+/g) ?? []);
  let best: FunctionTool | null = null;
  let bestScore = 0;
  for (const tool of tools) {
    const name = tool.function.name.toLowerCase();
    let score = prompt.toLowerCase().includes(name) ? 10 : 0;
    for (const part of name.split(/[^a-z0-9]+/)) if (part.length > 2 && words.has(part)) score += 2;
    for (const part of (tool.function.description ?? '').toLowerCase().match(/[a-z0-9]+/g) ?? []) {
      if (part.length > 4 && words.has(part)) score += 1;
    }
    if (score > bestScore) {
      best = tool;
      bestScore = score;
    }
  }
  const asksForTool = /\b(use|call|invoke|run)\b.*\b(tool|function)\b/i.test(prompt);
  if (best && (bestScore >= 2 || asksForTool)) return best;
  if (choice === 'required' || (asksForTool && tools.length)) return tools[0]!;
  return null;
}

function toolResultAnswer(messages: ChatMessage[]): string | null {
  const last = messages[messages.length - 1];
  if (!last || last.role !== 'tool') return null;
  let toolName = 'the tool';
  for (const m of messages) {
    const call = m.tool_calls?.find((c) => c.id === last.tool_call_id);
    if (call) toolName = call.function.name;
  }
  const result = contentText(last.content).replace(/\s+/g, ' ').trim();
  const shown = result.length > 200 ? `${result.slice(0, 200)}…` : result;
  return `${toolName} returned: ${shown}`;
}

export function defaultAnswer(request: ChatRequest): DraftAnswer {
  const fromTool = toolResultAnswer(request.messages);
  if (fromTool) return { content: fromTool, toolCalls: [] };

  const prompt = lastUserText(request.messages);
  const tool = chooseTool(request, prompt);
  if (tool) return { content: null, toolCalls: [makeToolCall(tool, stableStringify(request.messages))] };

  const format = request.response_format;
  if (format?.type === 'json_schema') {
    const value = sampleFromSchema(format.json_schema.schema ?? { type: 'object' }, hash32(prompt));
    return { content: JSON.stringify(value), toolCalls: [] };
  }

  const say = extractSayRequest(prompt);
  if (say !== null) return { content: say, toolCalls: [] };

  if (format?.type === 'json_object') return { content: JSON.stringify({ answer: echo(prompt, request) }), toolCalls: [] };
  return { content: echo(prompt, request), toolCalls: [] };
}

function echo(prompt: string, request: ChatRequest): string {
  const words = prompt.trim().split(/\s+/).filter(Boolean);
  const gist = words.slice(0, 12).join(' ') + (words.length > 12 ? ' …' : '');
  return `Mock answer ${hashHex(stableStringify({ m: request.model, p: request.messages }), 6)}: ${gist || '(empty prompt)'}`;
}
