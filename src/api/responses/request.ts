/**
 * Responses API request → canonical chat request. `instructions` becomes the first system
 * message, message items become messages, consecutive `function_call` items one assistant message
 * with `tool_calls`, `function_call_output` items tool messages; a stored conversation
 * (`previous_response_id`, loaded by the gateway) comes between. What the canonical format cannot
 * carry (files, item references, conversations) is a 400 naming its path, never a silent drop.
 * Reference: https://platform.openai.com/docs/api-reference/responses/create ,
 * https://platform.openai.com/docs/guides/function-calling (function_call / function_call_output items)
 */
import { InvalidRequestError } from '../../errors.js';
import type { ChatMessage, ChatRequest, ContentPart, ToolChoice } from '../types.js';
import { parseResponsesRequest, type InboundContentPart, type InboundInputItem, type InboundResponsesRequest } from './schema.js';

/**
 * `history`: the canonical conversation of the response named by `previous_response_id`, loaded by
 * the gateway from the store (docs/responses.md); it goes after this request's `instructions` (the
 * earlier instructions are not carried over, as OpenAI documents) and before its `input`.
 */
export function responsesRequestToCanonical(r: InboundResponsesRequest, history?: readonly ChatMessage[]): ChatRequest {
  // Never answer without the context the client pointed at: the gateway resolves the id first.
  if (r.previous_response_id && history === undefined)
    throw new InvalidRequestError(
      'previous_response_id needs the stored response; send the whole conversation in `input` instead.',
      'previous_response_id',
    );
  if (r.conversation !== undefined && r.conversation !== null)
    throw new InvalidRequestError(
      'conversation is not supported: Meridian does not store conversations. Send the whole conversation in `input`.',
      'conversation',
    );
  if (r.background) throw new InvalidRequestError('background is not supported: responses are answered in the request.', 'background');
  if (r.model === undefined) throw new InvalidRequestError("Missing required parameter: 'model' (or a prompt that names one).", 'model');

  const messages: ChatMessage[] = [];
  if (r.instructions) messages.push({ role: 'system', content: r.instructions });
  if (history) messages.push(...structuredClone(history));
  if (typeof r.input === 'string') messages.push({ role: 'user', content: r.input });
  else r.input.forEach((item, i) => addItem(messages, item, `input[${i}]`));
  if (!messages.some((m) => m.role !== 'system' && m.role !== 'developer'))
    throw new InvalidRequestError("Invalid 'input': input must contain at least one message or function_call_output item.", 'input');

  const req: ChatRequest = { model: r.model, messages };
  if (r.stream) req.stream = true;
  if (r.max_output_tokens != null) req.max_tokens = r.max_output_tokens;
  if (r.temperature != null) req.temperature = r.temperature;
  if (r.top_p != null) req.top_p = r.top_p;
  if (r.user !== undefined) req.user = r.user;
  if (r.metadata) req.metadata = r.metadata;
  if (r.parallel_tool_calls != null) req.parallel_tool_calls = r.parallel_tool_calls;
  if (r.tools?.length) {
    req.tools = r.tools.map((t) => ({
      type: 'function' as const,
      function: {
        name: t.name,
        ...(t.description ? { description: t.description } : {}),
        ...(t.parameters ? { parameters: t.parameters } : {}),
        ...(t.strict != null ? { strict: t.strict } : {}),
      },
    }));
  }
  if (r.tool_choice !== undefined) req.tool_choice = toolChoiceToCanonical(r.tool_choice);
  const format = r.text?.format;
  if (format?.type === 'json_schema') {
    req.response_format = {
      type: 'json_schema',
      json_schema: {
        name: format.name,
        schema: format.schema,
        ...(format.strict != null ? { strict: format.strict } : {}),
        ...(format.description ? { description: format.description } : {}),
      },
    };
  } else if (format) req.response_format = { type: format.type };
  const effort = r.reasoning?.effort;
  // The canonical field knows minimal…high; 'none' asks for no reasoning (omit), 'xhigh' is the top we can ask for.
  if (effort && effort !== 'none') req.reasoning_effort = effort === 'xhigh' ? 'high' : effort;
  return req;
}

/** Validates and translates in one step (the route's `parse`). */
export function parseResponsesToCanonical(
  body: unknown,
  history?: readonly ChatMessage[],
): { inbound: InboundResponsesRequest; request: ChatRequest } {
  const inbound = parseResponsesRequest(body);
  return { inbound, request: responsesRequestToCanonical(inbound, history) };
}

function toolChoiceToCanonical(c: NonNullable<InboundResponsesRequest['tool_choice']>): ToolChoice {
  return typeof c === 'string' ? c : { type: 'function', function: { name: c.name } };
}

function addItem(messages: ChatMessage[], item: InboundInputItem, path: string): void {
  switch (item.type) {
    case 'message':
      messages.push(messageToCanonical(item, path));
      return;
    case 'function_call': {
      const call = { id: item.call_id, type: 'function' as const, function: { name: item.name, arguments: item.arguments } };
      const last = messages.at(-1);
      // Parallel calls arrive as consecutive items; they belong to one assistant turn.
      if (last?.role === 'assistant') last.tool_calls = [...(last.tool_calls ?? []), call];
      else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
      return;
    }
    case 'function_call_output':
      messages.push({ role: 'tool', tool_call_id: item.call_id, content: outputToCanonical(item.output, `${path}.output`) });
      return;
    case 'reasoning':
      // Reasoning is never sent upstream as prompt content (api/types.ts), so an echoed reasoning item has nothing to carry.
      return;
    case 'item_reference':
      throw new InvalidRequestError(
        `Invalid '${path}': item_reference is not supported; continue a stored conversation with previous_response_id.`,
        path,
      );
  }
}

function messageToCanonical(item: Extract<InboundInputItem, { role: string }>, path: string): ChatMessage {
  if (typeof item.content === 'string') return { role: item.role, content: item.content };
  const parts = item.content.map((p, j) => partToCanonical(p, `${path}.content[${j}]`));
  if (item.role === 'assistant') {
    // Assistant turns are text (output_text / refusal); an image there has no canonical meaning.
    const bad = parts.findIndex((p) => p.type !== 'text');
    if (bad >= 0)
      throw new InvalidRequestError(`Invalid '${path}.content[${bad}]': assistant messages carry text only.`, `${path}.content[${bad}]`);
    return { role: 'assistant', content: parts.map((p) => (p as { text: string }).text).join('') };
  }
  return { role: item.role, content: parts.length === 1 && parts[0]!.type === 'text' ? parts[0]!.text : parts };
}

function partToCanonical(p: InboundContentPart, path: string): ContentPart {
  switch (p.type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: p.text };
    case 'refusal':
      return { type: 'text', text: p.refusal };
    case 'input_image':
      if (!p.image_url)
        throw new InvalidRequestError(
          `Invalid '${path}': input_image needs an image_url (https or data: URL); file_id needs the Files API, which Meridian does not serve.`,
          path,
        );
      return { type: 'image_url', image_url: { url: p.image_url, ...(p.detail ? { detail: p.detail } : {}) } };
    case 'input_file':
      throw new InvalidRequestError(`Invalid '${path}': input_file parts are not supported; send the text as input_text.`, path);
  }
}

function outputToCanonical(
  output: Extract<InboundInputItem, { type: 'function_call_output' }>['output'],
  path: string,
): ChatMessage['content'] {
  if (typeof output === 'string') return output;
  return output.map((p, j) => partToCanonical(p, `${path}[${j}]`));
}
