/** Replaces findings with consistent placeholders in a copy of the request. */
import type { ChatMessage, ChatRequest, ContentPart } from '../api/types.js';
import { MeridianError } from '../errors.js';
import { makePlaceholder } from './placeholder.js';
import { createRestorer } from './restore.js';
import type { Inspection, LocatedFinding, Pseudonymized } from './types.js';

/** The guard could not pseudonymize: the request must not go to a cloud deployment. */
export function pseudonymizeFailed(cause?: unknown): MeridianError {
  return new MeridianError(
    500,
    'server_error',
    'guard_error',
    'The privacy guard could not pseudonymize this request, so it was not sent to a cloud deployment.',
    { cause },
  );
}

/** Tool-call arguments are JSON text: the real value of a span there is its JSON-unescaped form. */
function realValue(f: LocatedFinding): string {
  if (f.field !== 'tool_call' || !f.value.includes('\\')) return f.value;
  try {
    return JSON.parse(`"${f.value}"`) as string;
  } catch {
    return f.value;
  }
}

function replaceSpans(text: string, findings: LocatedFinding[], placeholderOf: (f: LocatedFinding) => string): string {
  const sorted = [...findings].sort((a, b) => a.start - b.start);
  let out = '';
  let pos = 0;
  for (const f of sorted) {
    if (f.start < pos || text.slice(f.start, f.end) !== f.value) throw pseudonymizeFailed();
    out += text.slice(pos, f.start) + placeholderOf(f);
    pos = f.end;
  }
  return out + text.slice(pos);
}

function key(f: LocatedFinding): string {
  return f.field === 'tool_call' ? `${f.message}/t${f.toolCall}` : `${f.message}/c${f.part ?? ''}`;
}

export function pseudonymizeRequest(request: ChatRequest, inspection: Inspection): Pseudonymized {
  try {
    const placeholderByValue = new Map<string, string>();
    const valueByPlaceholder = new Map<string, string>();
    const perType = new Map<string, number>();
    const placeholderOf = (f: LocatedFinding): string => {
      const value = realValue(f);
      const mapKey = `${f.type}\u0000${value}`;
      let placeholder = placeholderByValue.get(mapKey);
      if (placeholder === undefined) {
        const n = (perType.get(f.type) ?? 0) + 1;
        perType.set(f.type, n);
        placeholder = makePlaceholder(f.type, n);
        placeholderByValue.set(mapKey, placeholder);
        valueByPlaceholder.set(placeholder, value);
      }
      return placeholder;
    };

    const byLocation = new Map<string, LocatedFinding[]>();
    for (const f of inspection.findings) {
      const k = key(f);
      const list = byLocation.get(k);
      if (list) list.push(f);
      else byLocation.set(k, [f]);
    }

    const messages = request.messages.map((message, m): ChatMessage => {
      let copy: ChatMessage | undefined;
      const content = message.content;
      if (typeof content === 'string') {
        const found = byLocation.get(`${m}/c`);
        if (found) copy = { ...message, content: replaceSpans(content, found, placeholderOf) };
      } else if (Array.isArray(content)) {
        let changed = false;
        const parts = content.map((part, p): ContentPart => {
          const found = part.type === 'text' ? byLocation.get(`${m}/c${p}`) : undefined;
          if (!found || part.type !== 'text') return part;
          changed = true;
          return { ...part, text: replaceSpans(part.text, found, placeholderOf) };
        });
        if (changed) copy = { ...message, content: parts };
      }
      if (message.tool_calls) {
        let changed = false;
        const calls = message.tool_calls.map((call, c) => {
          const found = byLocation.get(`${m}/t${c}`);
          if (!found) return call;
          changed = true;
          return { ...call, function: { ...call.function, arguments: replaceSpans(call.function.arguments, found, placeholderOf) } };
        });
        if (changed) copy = { ...(copy ?? message), tool_calls: calls };
      }
      return copy ?? message;
    });
    return { request: { ...request, messages }, restorer: createRestorer(valueByPlaceholder) };
  } catch (err) {
    if (err instanceof MeridianError) throw err;
    throw pseudonymizeFailed(err);
  }
}
