/**
 * Canonical chat request → a job for the engine: OpenAI messages become node-llama-cpp chat
 * history (https://node-llama-cpp.withcat.ai/guide/chat-session — ChatHistoryItem: system, user,
 * model responses holding text and function calls with their results), so the model's own chat
 * template (read from the GGUF by node-llama-cpp's chat wrapper) renders the prompt. Tools become
 * node-llama-cpp functions; JSON mode and JSON schema become grammars.
 */
import type { ChatMessage, ChatRequest, ContentPart } from '../../api/types.js';
import { InvalidRequestError } from '../../errors.js';
import type { ChatJob, HistoryItem } from './protocol.js';

function text(content: string | ContentPart[] | null, param: string): string {
  if (content === null) return '';
  if (typeof content === 'string') return content;
  return content
    .map((p) => {
      if (p.type !== 'text') throw new InvalidRequestError('The embedded engine reads text only; this message has an image.', param);
      return p.text;
    })
    .join('');
}

function toolResult(content: string): unknown {
  try {
    return JSON.parse(content);
  } catch {
    return content;
  }
}

function params(args: string): unknown {
  try {
    return JSON.parse(args);
  } catch {
    return args;
  }
}

/** Messages → history; an assistant turn and the tool results after it are one model response. */
export function toHistory(messages: ChatMessage[]): HistoryItem[] {
  const history: HistoryItem[] = [];
  const results = new Map<string, string>();
  messages.forEach((m, i) => {
    if (m.role === 'tool' && m.tool_call_id) results.set(m.tool_call_id, text(m.content, `messages[${i}].content`));
  });
  let model: Extract<HistoryItem, { type: 'model' }> | undefined;
  messages.forEach((m, i) => {
    const param = `messages[${i}].content`;
    if (m.role === 'tool') return; // attached to the call it answers
    if (m.role === 'assistant') {
      if (!model) {
        model = { type: 'model', response: [] };
        history.push(model);
      }
      const t = text(m.content, param);
      if (t) model.response.push(t);
      for (const call of m.tool_calls ?? []) {
        model.response.push({
          type: 'functionCall',
          name: call.function.name,
          params: params(call.function.arguments),
          result: results.has(call.id) ? toolResult(results.get(call.id)!) : null,
        });
      }
      return;
    }
    model = undefined;
    history.push(m.role === 'user' ? { type: 'user', text: text(m.content, param) } : { type: 'system', text: text(m.content, param) });
  });
  // The model answers in a response item at the end; an assistant message last is continued.
  if (history.at(-1)?.type !== 'model') history.push({ type: 'model', response: [] });
  return history;
}

/** The tool whose arguments must be produced (tool_choice names one, or `required` with one tool). */
export function forcedTool(request: ChatRequest): string | undefined {
  const choice = request.tool_choice;
  if (choice && typeof choice === 'object') return choice.function.name;
  if (choice === 'required' && request.tools?.length === 1) return request.tools[0]?.function.name;
  return undefined;
}

const JSON_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);

/**
 * The first problem in a JSON Schema that a grammar cannot honour, or undefined. node-llama-cpp
 * quietly turns an unknown `type` into `null`-only output; the client asked for something else.
 */
export function schemaProblem(schema: unknown, path = 'schema', depth = 0): string | undefined {
  if (depth > 32) return `${path} is nested too deeply`;
  if (schema === true || schema === false) return undefined;
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return `${path} is not a JSON Schema object`;
  const s = schema as Record<string, unknown>;
  const types = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
  for (const t of types) if (typeof t !== 'string' || !JSON_TYPES.has(t)) return `${path}.type ${JSON.stringify(t)} is not a JSON type`;
  const children: Array<[string, unknown]> = [];
  for (const [k, v] of Object.entries((s.properties as Record<string, unknown> | undefined) ?? {}))
    children.push([`${path}.properties.${k}`, v]);
  for (const [k, v] of Object.entries((s.$defs as Record<string, unknown> | undefined) ?? {})) children.push([`${path}.$defs.${k}`, v]);
  if (s.items !== undefined) children.push([`${path}.items`, s.items]);
  if (typeof s.additionalProperties === 'object') children.push([`${path}.additionalProperties`, s.additionalProperties]);
  for (const key of ['anyOf', 'oneOf', 'allOf', 'prefixItems'] as const) {
    if (Array.isArray(s[key])) (s[key] as unknown[]).forEach((v, i) => children.push([`${path}.${key}[${i}]`, v]));
  }
  for (const [p, v] of children) {
    const problem = schemaProblem(v, p, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

function checkSchema(schema: unknown, param: string): void {
  const problem = schemaProblem(schema);
  if (problem) throw new InvalidRequestError(`The embedded engine cannot build a grammar: ${problem}.`, param);
}

export function convertEmbeddedRequest(request: ChatRequest): ChatJob {
  if (request.n !== undefined && request.n !== 1)
    throw new InvalidRequestError('The embedded engine returns one choice (n must be 1).', 'n');
  const job: ChatJob = { history: toHistory(request.messages) };
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (maxTokens !== undefined) job.maxTokens = maxTokens;
  if (request.temperature !== undefined) job.temperature = request.temperature;
  if (request.top_p !== undefined) job.topP = request.top_p;
  if (request.seed !== undefined) job.seed = request.seed;
  if (request.stop !== undefined) job.stop = (Array.isArray(request.stop) ? request.stop : [request.stop]).filter((s) => s.length > 0);
  if (request.presence_penalty) job.presencePenalty = request.presence_penalty;
  if (request.frequency_penalty) job.frequencyPenalty = request.frequency_penalty;

  const tools = request.tool_choice === 'none' ? [] : (request.tools ?? []);
  const forced = forcedTool(request);
  const format = request.response_format;
  if (forced) {
    // A forced call is the tool's argument schema as a grammar: the output is the arguments.
    const tool = tools.find((t) => t.function.name === forced);
    if (!tool) throw new InvalidRequestError(`tool_choice names '${forced}', which is not in tools.`, 'tool_choice');
    job.grammar = { kind: 'schema', schema: tool.function.parameters ?? { type: 'object' } };
    checkSchema(job.grammar.schema, 'tools');
    return job;
  }
  if (tools.length > 0) {
    if (format && format.type !== 'text') {
      throw new InvalidRequestError('The embedded engine cannot combine tools with response_format; send one of them.', 'response_format');
    }
    tools.forEach((t) => t.function.parameters && checkSchema(t.function.parameters, 'tools'));
    job.functions = Object.fromEntries(
      tools.map((t) => [
        t.function.name,
        {
          ...(t.function.description ? { description: t.function.description } : {}),
          ...(t.function.parameters ? { params: t.function.parameters } : {}),
        },
      ]),
    );
  } else if (format?.type === 'json_object') {
    job.grammar = { kind: 'json' };
  } else if (format?.type === 'json_schema') {
    job.grammar = format.json_schema.schema ? { kind: 'schema', schema: format.json_schema.schema } : { kind: 'json' };
    if (format.json_schema.schema) checkSchema(format.json_schema.schema, 'response_format');
  }
  return job;
}
