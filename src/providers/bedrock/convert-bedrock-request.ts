/**
 * Canonical (OpenAI Chat Completions) request → Bedrock Converse request body.
 * References: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html ,
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ContentBlock.html ,
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ImageBlock.html ,
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ToolConfiguration.html ,
 * https://docs.aws.amazon.com/bedrock/latest/userguide/tool-use-inference-call.html
 */
import { toolArgumentsObject } from '../shared/tool-arguments.js';
import type { ChatMessage, ChatRequest, ContentPart } from '../../api/types.js';
import { InvalidRequestError } from '../../errors.js';
import type {
  BedrockContentBlock,
  BedrockImageBlock,
  BedrockImageFormat,
  BedrockMessage,
  BedrockToolChoice,
  BedrockToolSpec,
  ConverseRequest,
} from './bedrock-api.js';

/**
 * JSON mode without a native switch: a tool whose input schema is the requested schema, forced
 * with toolChoice, the pattern AWS documents for structured output through Converse
 * (https://docs.aws.amazon.com/bedrock/latest/userguide/tool-use-examples.html). Its input comes
 * back to the client as the message text with finish_reason `stop`.
 */
export const JSON_TOOL_NAME = 'json_response';

/** `reasoning_effort` → Anthropic `thinking.budget_tokens` on Bedrock (minimum 1024). */
const THINKING_BUDGETS = { low: 1024, medium: 4096, high: 16384 } as const;

const IMAGE_FORMATS: Record<string, BedrockImageFormat> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

export interface ConvertedConverseRequest {
  body: ConverseRequest;
  /** Set when response_format became the forced JSON tool. */
  jsonToolName?: string;
}

export function convertBedrockRequest(req: ChatRequest, opts: { defaultMaxTokens?: number } = {}): ConvertedConverseRequest {
  if (req.n !== undefined && req.n > 1) throw new InvalidRequestError('Bedrock Converse returns one choice; n must be 1.', 'n');
  if (req.logprobs) throw new InvalidRequestError('Bedrock Converse does not return logprobs.', 'logprobs');
  const { system, messages, usesTools } = convertMessages(req.messages);
  const body: ConverseRequest = { messages };
  if (system.length) body.system = system;

  const inference: NonNullable<ConverseRequest['inferenceConfig']> = {};
  const max = req.max_completion_tokens ?? req.max_tokens ?? opts.defaultMaxTokens;
  if (max !== undefined) inference.maxTokens = max;
  // OpenAI accepts 0..2, Converse 0..1: clamp instead of letting the upstream reject the call.
  if (req.temperature !== undefined) inference.temperature = Math.min(1, Math.max(0, req.temperature));
  if (req.top_p !== undefined) inference.topP = req.top_p;
  const stops = req.stop === undefined ? [] : (Array.isArray(req.stop) ? req.stop : [req.stop]).filter((s) => s !== '');
  if (stops.length) inference.stopSequences = stops;
  if (Object.keys(inference).length) body.inferenceConfig = inference;
  // seed, penalties, logit_bias and user have no Converse field; they are hints, so they are dropped.

  const jsonToolName = applyTools(body, req, usesTools);
  applyThinking(body, req);
  return jsonToolName ? { body, jsonToolName } : { body };
}

// ---- messages -------------------------------------------------------------------------------

function convertMessages(input: ChatMessage[]): { system: Array<{ text: string }>; messages: BedrockMessage[]; usesTools: boolean } {
  const system: Array<{ text: string }> = [];
  const out: BedrockMessage[] = [];
  let usesTools = false;
  input.forEach((m, i) => {
    if (m.role === 'system' || m.role === 'developer') {
      const text = systemText(m.content, i);
      if (text) system.push({ text });
      return;
    }
    let blocks: BedrockContentBlock[];
    if (m.role === 'tool') {
      usesTools = true;
      blocks = [toolResultBlock(m, i)];
    } else if (m.role === 'assistant') {
      blocks = assistantBlocks(m, i);
      if (m.tool_calls?.length) usesTools = true;
    } else {
      blocks = contentBlocks(m.content, i);
    }
    if (blocks.length === 0) return;
    const role = m.role === 'assistant' ? 'assistant' : 'user';
    const last = out[out.length - 1];
    // Converse wants user and assistant turns to alternate; the tool results answering one
    // assistant turn go together in the next user turn.
    if (last && last.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  });
  for (const m of out) {
    // toolResult blocks first in a user turn, the order the tool-use guide shows.
    if (m.role === 'user' && m.content.some((b) => 'toolResult' in b)) {
      m.content = [...m.content.filter((b) => 'toolResult' in b), ...m.content.filter((b) => !('toolResult' in b))];
    }
  }
  return { system, messages: out, usesTools };
}

function contentBlocks(content: ChatMessage['content'], i: number): Array<{ text: string } | BedrockImageBlock> {
  if (content === null) return [];
  // Converse rejects blank text blocks; an empty string carries nothing.
  if (typeof content === 'string') return content ? [{ text: content }] : [];
  return content.flatMap((p, j) => partBlock(p, `messages[${i}].content[${j}]`));
}

function partBlock(p: ContentPart, param: string): Array<{ text: string } | BedrockImageBlock> {
  if (p.type === 'text') return p.text ? [{ text: p.text }] : [];
  if (p.type === 'image_url') return [imageBlock(p.image_url.url, param)];
  throw new InvalidRequestError(`Content part type '${(p as { type: string }).type}' is not supported by Bedrock.`, param);
}

/** Converse takes image bytes (or an S3 location), never an http URL: only `data:` URLs map. */
export function imageBlock(url: string, param: string): BedrockImageBlock {
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (!m) {
    throw new InvalidRequestError('Bedrock takes images as data:<mime>;base64 URLs only (it does not fetch http URLs).', param);
  }
  const format = IMAGE_FORMATS[m[1]!.toLowerCase()];
  if (!format) throw new InvalidRequestError(`Bedrock takes png, jpeg, gif or webp images, not ${m[1]}.`, param);
  return { image: { format, source: { bytes: m[2]! } } };
}

function assistantBlocks(m: ChatMessage, i: number): BedrockContentBlock[] {
  // reasoning_content is not sent back: Bedrock only accepts reasoning blocks with the signature
  // it issued, which the canonical shape does not carry.
  const blocks: BedrockContentBlock[] = contentBlocks(m.content, i).filter((b) => 'text' in b);
  (m.tool_calls ?? []).forEach((tc, j) => {
    blocks.push({
      toolUse: {
        toolUseId: tc.id,
        name: tc.function.name,
        input: toolArgumentsObject(tc.function.arguments, `messages[${i}].tool_calls[${j}].function.arguments`, 'Bedrock'),
      },
    });
  });
  return blocks;
}

function toolResultBlock(m: ChatMessage, i: number): BedrockContentBlock {
  if (!m.tool_call_id) throw new InvalidRequestError('Tool messages need tool_call_id.', `messages[${i}].tool_call_id`);
  const parts = contentBlocks(m.content, i);
  // A tool result needs at least one content block; an empty result is said in words.
  return { toolResult: { toolUseId: m.tool_call_id, content: parts.length ? parts : [{ text: '(empty)' }] } };
}

function systemText(content: ChatMessage['content'], i: number): string {
  if (content === null) return '';
  if (typeof content === 'string') return content;
  return content
    .map((p, j) => {
      if (p.type !== 'text') throw new InvalidRequestError('System messages may only contain text.', `messages[${i}].content[${j}]`);
      return p.text;
    })
    .join('\n');
}

// ---- tools, tool_choice, response_format, reasoning ----------------------------------------

function applyTools(body: ConverseRequest, req: ChatRequest, historyUsesTools: boolean): string | undefined {
  const tools: BedrockToolSpec[] = (req.tools ?? []).map((t) => ({
    toolSpec: {
      name: t.function.name,
      ...(t.function.description ? { description: t.function.description } : {}),
      inputSchema: { json: t.function.parameters ?? { type: 'object', properties: {} } },
    },
  }));
  let choice: BedrockToolChoice | undefined;
  const c = req.tool_choice;
  if (c === 'required') choice = { any: {} };
  else if (typeof c === 'object') choice = { tool: { name: c.function.name } };
  else if (c === 'auto') choice = { auto: {} };
  // Converse has no "none": tools are left out, unless the history holds tool blocks, which
  // Converse only accepts with a toolConfig.
  const none = c === 'none';

  const fmt = req.response_format;
  let jsonToolName: string | undefined;
  if ((fmt?.type === 'json_schema' || fmt?.type === 'json_object') && typeof c !== 'object') {
    jsonToolName = JSON_TOOL_NAME;
    const schema = fmt.type === 'json_schema' ? (fmt.json_schema.schema ?? { type: 'object' }) : { type: 'object' };
    const description =
      (fmt.type === 'json_schema' ? fmt.json_schema.description : undefined) ?? 'Respond with your final answer as the input of this tool.';
    const jsonTool: BedrockToolSpec = { toolSpec: { name: jsonToolName, description, inputSchema: { json: schema } } };
    if (tools.length && !none) {
      tools.push(jsonTool);
      choice = { any: {} };
    } else {
      tools.length = 0;
      tools.push(jsonTool);
      choice = { tool: { name: jsonToolName } };
    }
  } else if (none) {
    if (!historyUsesTools) return undefined;
    choice = undefined;
  }
  if (tools.length) body.toolConfig = { tools, ...(choice ? { toolChoice: choice } : {}) };
  return jsonToolName;
}

/** Extended thinking for Claude on Bedrock goes in additionalModelRequestFields (model-specific). */
function applyThinking(body: ConverseRequest, req: ChatRequest): void {
  const effort = req.reasoning_effort;
  if (!effort || effort === 'minimal' || !/(^|[.:/])anthropic\.claude/.test(req.model)) return;
  const choice = body.toolConfig?.toolChoice;
  if (choice && ('any' in choice || 'tool' in choice)) return; // thinking cannot be combined with a forced tool
  const max = body.inferenceConfig?.maxTokens;
  const budget = max === undefined ? THINKING_BUDGETS[effort] : Math.min(THINKING_BUDGETS[effort], max - 1);
  if (budget < 1024) return;
  body.additionalModelRequestFields = { thinking: { type: 'enabled', budget_tokens: budget } };
  // Thinking is incompatible with temperature and top_p changes.
  if (body.inferenceConfig) {
    delete body.inferenceConfig.temperature;
    delete body.inferenceConfig.topP;
  }
}
