/**
 * Canonical (OpenAI Chat Completions) request → Anthropic Messages request body.
 * Reference: https://docs.anthropic.com/en/api/messages ,
 * tools: https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use ,
 * images: https://docs.anthropic.com/en/docs/build-with-claude/vision ,
 * thinking: https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking
 */
import { toolArgumentsObject } from '../shared/tool-arguments.js';
import type { ChatMessage, ChatRequest, ContentPart, FunctionTool, ToolChoice } from '../../api/types.js';
import { InvalidRequestError } from '../../errors.js';
import type {
  AnthropicImageBlock,
  AnthropicMessageParam,
  AnthropicRequest,
  AnthropicRequestBlock,
  AnthropicTextBlock,
  AnthropicTool,
  AnthropicToolChoice,
  AnthropicToolResultBlock,
} from './anthropic-api.js';

/** Anthropic requires `max_tokens`; used when the client sent no limit. */
export const DEFAULT_MAX_TOKENS = 4096;

/**
 * Name of the synthetic tool used for JSON mode. Anthropic's base Messages API has no
 * `response_format`; the documented way to get schema-shaped JSON is a tool whose
 * `input_schema` is the schema, forced with `tool_choice` (the "JSON mode" pattern in
 * https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use#json-mode).
 * Prefilling `{` or prompting for JSON would not enforce the schema; a forced tool does. The
 * response converter turns this tool's `input` back into the message text, so the client sees a
 * plain JSON answer with finish_reason `stop`.
 */
export const JSON_TOOL_NAME = 'json_response';

/** Token budgets for `reasoning_effort` → `thinking.budget_tokens` (minimum is 1024). */
const THINKING_BUDGETS = { low: 1024, medium: 4096, high: 16384 } as const;

export interface AnthropicRequestOptions {
  /** `provider.config.options.defaultMaxTokens`, else DEFAULT_MAX_TOKENS. */
  defaultMaxTokens?: number;
}

export interface ConvertedAnthropicRequest {
  body: AnthropicRequest;
  /** Set when response_format was mapped to a forced tool; its tool_use is the answer text. */
  jsonToolName?: string;
}

export function convertAnthropicRequest(req: ChatRequest, opts: AnthropicRequestOptions = {}): ConvertedAnthropicRequest {
  if (req.n !== undefined && req.n > 1) throw new InvalidRequestError('Anthropic models return one choice; n must be 1.', 'n');
  if (req.logprobs) throw new InvalidRequestError('Anthropic models do not return logprobs.', 'logprobs');

  const { system, messages } = convertMessages(req.messages);
  const body: AnthropicRequest = {
    model: req.model,
    max_tokens: req.max_completion_tokens ?? req.max_tokens ?? opts.defaultMaxTokens ?? DEFAULT_MAX_TOKENS,
    messages,
  };
  if (system.length === 1) body.system = system[0]!.text;
  else if (system.length > 1) body.system = system;
  if (req.stop !== undefined) body.stop_sequences = (Array.isArray(req.stop) ? req.stop : [req.stop]).filter((s) => s !== '');
  if (body.stop_sequences?.length === 0) delete body.stop_sequences;
  // OpenAI accepts 0..2, Anthropic 0..1: clamp instead of letting the upstream reject the call.
  if (req.temperature !== undefined) body.temperature = Math.min(1, Math.max(0, req.temperature));
  if (req.top_p !== undefined) body.top_p = req.top_p;
  if (req.user !== undefined) body.metadata = { user_id: req.user };
  if (req.stream) body.stream = true;
  // seed, presence/frequency penalties and logit_bias have no Anthropic equivalent; they are
  // sampling hints, so they are dropped rather than failing the request.

  const jsonToolName = applyToolsAndFormat(body, req);
  applyThinking(body, req, jsonToolName !== undefined);
  return jsonToolName ? { body, jsonToolName } : { body };
}

// ---- messages -------------------------------------------------------------------------------

function convertMessages(input: ChatMessage[]): { system: AnthropicTextBlock[]; messages: AnthropicMessageParam[] } {
  const system: AnthropicTextBlock[] = [];
  const out: AnthropicMessageParam[] = [];
  input.forEach((m, i) => {
    if (m.role === 'system' || m.role === 'developer') {
      const text = textOf(m.content, i);
      if (text) system.push({ type: 'text', text });
      return;
    }
    const blocks = m.role === 'tool' ? [toolResultBlock(m, i)] : m.role === 'assistant' ? assistantBlocks(m, i) : userBlocks(m.content, i);
    if (blocks.length === 0) return;
    const role = m.role === 'assistant' ? 'assistant' : 'user';
    const last = out[out.length - 1];
    // Consecutive same-role turns are merged: tool results of one assistant turn must arrive in
    // one user message, and older API versions reject two user turns in a row.
    if (last && last.role === role) (last.content as AnthropicRequestBlock[]).push(...blocks);
    else out.push({ role, content: blocks });
  });
  for (const m of out) {
    const blocks = m.content as AnthropicRequestBlock[];
    // tool_result blocks must come first in a user turn (tool-use docs); keep order otherwise.
    if (m.role === 'user' && blocks.some((b) => b.type === 'tool_result')) {
      m.content = [...blocks.filter((b) => b.type === 'tool_result'), ...blocks.filter((b) => b.type !== 'tool_result')];
    }
    // A lone text block is sent as a plain string, the shape in Anthropic's own examples.
    if (blocks.length === 1 && blocks[0]!.type === 'text') m.content = blocks[0]!.text;
  }
  return { system, messages: out };
}

function userBlocks(content: ChatMessage['content'], i: number): Array<AnthropicTextBlock | AnthropicImageBlock> {
  if (content === null) return [];
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  return content.flatMap((p, j) => partBlock(p, `messages[${i}].content[${j}]`));
}

function partBlock(p: ContentPart, param: string): Array<AnthropicTextBlock | AnthropicImageBlock> {
  if (p.type === 'text') return p.text ? [{ type: 'text', text: p.text }] : [];
  if (p.type === 'image_url') return [imageBlock(p.image_url.url, param)];
  throw new InvalidRequestError(`Content part type '${(p as { type: string }).type}' is not supported by Anthropic.`, param);
}

/** `data:` URLs become base64 sources; http(s) URLs are fetched by Anthropic (url source). */
export function imageBlock(url: string, param: string): AnthropicImageBlock {
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (m) return { type: 'image', source: { type: 'base64', media_type: m[1]!, data: m[2]! } };
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  throw new InvalidRequestError('Image URLs must be https URLs or data:<mime>;base64 URLs.', param);
}

function assistantBlocks(m: ChatMessage, i: number): AnthropicRequestBlock[] {
  // reasoning_content is never sent back: Anthropic only accepts thinking blocks with the
  // signature it issued, which the canonical shape does not carry.
  const blocks: AnthropicRequestBlock[] = [...userBlocks(m.content, i).filter((b) => b.type === 'text')];
  (m.tool_calls ?? []).forEach((tc, j) => {
    blocks.push({
      type: 'tool_use',
      id: tc.id,
      name: tc.function.name,
      input: toolArgumentsObject(tc.function.arguments, `messages[${i}].tool_calls[${j}].function.arguments`, 'Anthropic'),
    });
  });
  return blocks;
}

function toolResultBlock(m: ChatMessage, i: number): AnthropicToolResultBlock {
  if (!m.tool_call_id) throw new InvalidRequestError('Tool messages need tool_call_id.', `messages[${i}].tool_call_id`);
  const block: AnthropicToolResultBlock = { type: 'tool_result', tool_use_id: m.tool_call_id };
  if (typeof m.content === 'string') {
    if (m.content) block.content = m.content;
  } else if (m.content) {
    const parts = userBlocks(m.content, i);
    if (parts.length) block.content = parts;
  }
  return block;
}

function textOf(content: ChatMessage['content'], i: number): string {
  if (content === null) return '';
  if (typeof content === 'string') return content;
  return content
    .map((p, j) => {
      if (p.type !== 'text') throw new InvalidRequestError('System messages may only contain text.', `messages[${i}].content[${j}]`);
      return p.text;
    })
    .join('\n');
}

// ---- tools, tool_choice, response_format ----------------------------------------------------

function convertTool(t: FunctionTool): AnthropicTool {
  const tool: AnthropicTool = { name: t.function.name, input_schema: t.function.parameters ?? { type: 'object', properties: {} } };
  if (t.function.description) tool.description = t.function.description;
  return tool;
}

function convertToolChoice(c: ToolChoice | undefined, disableParallel: boolean): AnthropicToolChoice | undefined {
  const extra = disableParallel ? { disable_parallel_tool_use: true } : {};
  if (c === undefined) return disableParallel ? { type: 'auto', ...extra } : undefined;
  if (c === 'none') return { type: 'none' };
  if (c === 'auto') return { type: 'auto', ...extra };
  if (c === 'required') return { type: 'any', ...extra };
  return { type: 'tool', name: c.function.name, ...extra };
}

/** Sets tools/tool_choice; returns the JSON tool's name when response_format asked for JSON. */
function applyToolsAndFormat(body: AnthropicRequest, req: ChatRequest): string | undefined {
  const tools = (req.tools ?? []).map(convertTool);
  const disableParallel = req.parallel_tool_calls === false;
  let choice = tools.length ? convertToolChoice(req.tool_choice, disableParallel) : undefined;

  const fmt = req.response_format;
  const wantsJson = fmt?.type === 'json_schema' || fmt?.type === 'json_object';
  // A client that forces one of its own functions gets that call; JSON mode does not apply.
  const forcedOwnTool = typeof req.tool_choice === 'object';
  let jsonToolName: string | undefined;
  if (wantsJson && !forcedOwnTool) {
    jsonToolName = JSON_TOOL_NAME;
    const schema = fmt.type === 'json_schema' ? (fmt.json_schema.schema ?? { type: 'object' }) : { type: 'object' };
    const description =
      (fmt.type === 'json_schema' ? fmt.json_schema.description : undefined) ?? 'Respond with your final answer as the input of this tool.';
    const jsonTool: AnthropicTool = { name: jsonToolName, description, input_schema: schema };
    if (tools.length && req.tool_choice !== 'none') {
      // The model may still call the client's tools; when it answers, it must use the JSON tool.
      tools.push(jsonTool);
      choice = { type: 'any', ...(disableParallel ? { disable_parallel_tool_use: true } : {}) };
    } else {
      tools.length = 0;
      tools.push(jsonTool);
      choice = { type: 'tool', name: jsonToolName };
    }
  }
  if (tools.length) body.tools = tools;
  if (choice) body.tool_choice = choice;
  return jsonToolName;
}

function applyThinking(body: AnthropicRequest, req: ChatRequest, jsonMode: boolean): void {
  const effort = req.reasoning_effort;
  if (!effort || effort === 'minimal') return;
  // Thinking cannot be combined with a forced tool_choice (any/tool); JSON mode wins.
  if (jsonMode || body.tool_choice?.type === 'any' || body.tool_choice?.type === 'tool') return;
  const budget = Math.min(THINKING_BUDGETS[effort], body.max_tokens - 1);
  if (budget < 1024) return;
  body.thinking = { type: 'enabled', budget_tokens: budget };
  // Thinking is incompatible with temperature changes and needs top_p >= 0.95.
  delete body.temperature;
  if (body.top_p !== undefined && body.top_p < 0.95) delete body.top_p;
}
