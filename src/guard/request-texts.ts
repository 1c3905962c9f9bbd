/**
 * Every string of a ChatRequest that reaches the upstream and can carry user data, with its path.
 * Left out on purpose: `model` (replaced by the deployment's model), identifiers the upstream
 * matches on (`tool_call_id`, tool and function names, `tool_choice`, the json_schema `name`),
 * object keys (JSON-schema property names, metadata keys), image URLs (rewriting a URL breaks
 * the image), and `reasoning_content` (never sent upstream as prompt content).
 * Fields the canonical type does not name (the request schema passes them through and the
 * OpenAI-compatible adapter forwards them, e.g. `prediction`) have every string value scanned.
 */
import type { ChatRequest } from '../api/types.js';
import type { RequestPath } from './types.js';

export interface RequestText {
  text: string;
  path: RequestPath;
}

/** Top-level and message fields handled below or holding no free text. */
const KNOWN_REQUEST_FIELDS = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'stop',
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'seed',
  'user',
  'n',
  'presence_penalty',
  'frequency_penalty',
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'reasoning_effort',
  'metadata',
]);
const KNOWN_MESSAGE_FIELDS = new Set(['role', 'content', 'name', 'tool_calls', 'tool_call_id', 'reasoning_content']);

/** The scannable strings of `request`, in document order. */
export function requestTexts(request: ChatRequest): RequestText[] {
  const out: RequestText[] = [];
  const add = (text: unknown, path: RequestPath): void => {
    if (text === undefined || text === '') return;
    // A malformed request fails closed (guard_error) rather than leaving a field unscanned.
    if (typeof text !== 'string') throw new TypeError(`not a string at ${path.join('.')}`);
    out.push({ text, path });
  };
  request.messages.forEach((message, m) => {
    const content = message.content;
    if (typeof content === 'string') add(content, ['messages', m, 'content']);
    else if (Array.isArray(content)) {
      content.forEach((part, p) => {
        if (part.type === 'text') add(part.text, ['messages', m, 'content', p, 'text']);
      });
    }
    add(message.name, ['messages', m, 'name']);
    message.tool_calls?.forEach((call, c) => add(call.function.arguments, ['messages', m, 'tool_calls', c, 'function', 'arguments']));
    addUnknownFields(message, KNOWN_MESSAGE_FIELDS, ['messages', m], out);
  });
  request.tools?.forEach((tool, t) => {
    add(tool.function.description, ['tools', t, 'function', 'description']);
    if (tool.function.parameters) addJsonStrings(tool.function.parameters, ['tools', t, 'function', 'parameters'], out);
  });
  if (typeof request.stop === 'string') add(request.stop, ['stop']);
  else request.stop?.forEach((s, i) => add(s, ['stop', i]));
  const format = request.response_format;
  if (format?.type === 'json_schema') {
    add(format.json_schema.description, ['response_format', 'json_schema', 'description']);
    if (format.json_schema.schema) addJsonStrings(format.json_schema.schema, ['response_format', 'json_schema', 'schema'], out);
  }
  if (request.metadata) for (const [key, value] of Object.entries(request.metadata)) add(value, ['metadata', key]);
  add(request.user, ['user']);
  addUnknownFields(request, KNOWN_REQUEST_FIELDS, [], out);
  return out;
}

function addUnknownFields(object: object, known: ReadonlySet<string>, path: RequestPath, out: RequestText[]): void {
  for (const [key, value] of Object.entries(object)) if (!known.has(key)) addJsonStrings(value, [...path, key], out);
}

/** Every string value (not key) in a JSON value: descriptions, enum values, defaults, examples. */
function addJsonStrings(root: unknown, rootPath: RequestPath, out: RequestText[]): void {
  // An explicit stack: a deeply nested schema from a client must not overflow the call stack.
  const stack: Array<{ value: unknown; path: RequestPath }> = [{ value: root, path: rootPath }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      if (value.length > 0) out.push({ text: value, path });
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: [...path, i] });
    } else if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) stack.push({ value: entries[i]![1], path: [...path, entries[i]![0]] });
    }
  }
}

/** Tool-call arguments are JSON text: a value found there is JSON-escaped. */
export function isJsonText(path: RequestPath): boolean {
  return path[0] === 'messages' && path[2] === 'tool_calls' && path[path.length - 1] === 'arguments';
}
