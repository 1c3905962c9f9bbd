/** Puts real values back in place of placeholders: whole responses and streams. */
import type { ChatChunk, ChatResponse, ChunkChoice, ContentPart, ToolCallDelta } from '../api/types.js';
import type { StreamEvent } from '../api/types.js';
import { CLOSE, JSON_PLACEHOLDER_RE, OPEN, PLACEHOLDER_RE, partialJsonPlaceholderStart, partialPlaceholderStart } from './placeholder.js';
import type { Restorer } from './types.js';

function jsonEscape(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

/** Per stream choice: the held-back tails of content, reasoning and each tool call's arguments. */
interface ChoiceState {
  content: string;
  reasoning: string;
  args: Map<number, string>;
}

export function createRestorer(valueByPlaceholder: ReadonlyMap<string, string>): Restorer {
  const size = valueByPlaceholder.size;
  let maxLength = 0;
  for (const p of valueByPlaceholder.keys()) maxLength = Math.max(maxLength, p.length);

  const restoreText = (text: string): string =>
    size === 0 || text.indexOf(OPEN) < 0 ? text : text.replace(PLACEHOLDER_RE, (p) => valueByPlaceholder.get(p) ?? p);

  // A model may write either bracket JSON-escaped (`\u27e6`) inside tool-call arguments.
  const restoreJsonText = (text: string): string => {
    if (size === 0 || (text.indexOf(OPEN) < 0 && text.indexOf('\\u27') < 0)) return text;
    return text.replace(JSON_PLACEHOLDER_RE, (whole, body: string) => {
      const v = valueByPlaceholder.get(`${OPEN}${body}${CLOSE}`);
      return v === undefined ? whole : jsonEscape(v);
    });
  };

  const restoreResponse = (response: ChatResponse): ChatResponse => {
    if (size === 0) return response;
    return {
      ...response,
      choices: response.choices.map((choice) => {
        const msg = choice.message;
        const content =
          typeof msg.content === 'string'
            ? restoreText(msg.content)
            : Array.isArray(msg.content)
              ? msg.content.map((p): ContentPart => (p.type === 'text' ? { ...p, text: restoreText(p.text) } : p))
              : msg.content;
        const message = { ...msg, content };
        if (msg.reasoning_content !== undefined) message.reasoning_content = restoreText(msg.reasoning_content);
        if (msg.tool_calls) {
          message.tool_calls = msg.tool_calls.map((c) => ({
            ...c,
            function: { ...c.function, arguments: restoreJsonText(c.function.arguments) },
          }));
        }
        return { ...choice, message };
      }),
    };
  };

  /** Restores `held + text`; unless `final`, keeps back a suffix that may be a placeholder's start. */
  const feed = (held: string, text: string, final: boolean, json: boolean): { out: string; held: string } => {
    const all = held + text;
    const cut = final ? -1 : json ? partialJsonPlaceholderStart(all, maxLength) : partialPlaceholderStart(all, maxLength);
    const ready = cut < 0 ? all : all.slice(0, cut);
    return { out: json ? restoreJsonText(ready) : restoreText(ready), held: cut < 0 ? '' : all.slice(cut) };
  };

  async function* restoreStream(events: AsyncIterable<StreamEvent>): AsyncIterable<StreamEvent> {
    if (size === 0) {
      yield* events;
      return;
    }
    const states = new Map<number, ChoiceState>();
    let last: ChatChunk | undefined;
    for await (const event of events) {
      last = event.chunk;
      let changed = false;
      const choices = event.chunk.choices.map((choice): ChunkChoice => {
        let state = states.get(choice.index);
        if (!state) {
          state = { content: '', reasoning: '', args: new Map() };
          states.set(choice.index, state);
        }
        const final = choice.finish_reason !== null && choice.finish_reason !== undefined;
        const delta = choice.delta;
        const next = { ...delta };
        let touched = false;

        // Content: a tool call starting (or the finish) ends any placeholder in progress.
        const contentFinal = final || (delta.tool_calls !== undefined && delta.tool_calls.length > 0);
        if (typeof delta.content === 'string' || (contentFinal && state.content)) {
          const r = feed(state.content, delta.content ?? '', contentFinal, false);
          state.content = r.held;
          if (r.out !== delta.content) {
            next.content = r.out;
            touched = true;
          }
        }
        if (typeof delta.reasoning_content === 'string' || (final && state.reasoning)) {
          const r = feed(state.reasoning, delta.reasoning_content ?? '', final || typeof delta.content === 'string', false);
          state.reasoning = r.held;
          if (r.out !== delta.reasoning_content) {
            next.reasoning_content = r.out;
            touched = true;
          }
        }
        const calls: ToolCallDelta[] = [];
        const seen = new Set<number>();
        for (const call of delta.tool_calls ?? []) {
          seen.add(call.index);
          // Another call's delta means the earlier ones are complete.
          for (const [index, held] of state.args) {
            if (index !== call.index && held) {
              calls.push({ index, function: { arguments: restoreJsonText(held) } });
              state.args.set(index, '');
              touched = true;
            }
          }
          const args = call.function?.arguments;
          if (typeof args === 'string') {
            const r = feed(state.args.get(call.index) ?? '', args, final, true);
            state.args.set(call.index, r.held);
            if (r.out !== args) touched = true;
            calls.push({ ...call, function: { ...call.function, arguments: r.out } });
          } else calls.push(call);
        }
        if (final) {
          for (const [index, held] of state.args) {
            if (held && !seen.has(index)) {
              calls.push({ index, function: { arguments: restoreJsonText(held) } });
              touched = true;
            }
          }
          state.args.clear();
        }
        if (calls.length > 0 && (touched || delta.tool_calls)) next.tool_calls = calls;
        if (!touched) return choice;
        changed = true;
        return { ...choice, delta: next };
      });
      if (changed) yield { chunk: { ...event.chunk, choices } };
      else yield event;
    }
    // The upstream ended without a finish chunk: flush what is held, in one synthetic chunk.
    const tail: ChunkChoice[] = [];
    for (const [index, state] of states) {
      const calls: ToolCallDelta[] = [];
      for (const [i, held] of state.args) if (held) calls.push({ index: i, function: { arguments: restoreJsonText(held) } });
      if (!state.content && !state.reasoning && calls.length === 0) continue;
      const delta: ChunkChoice['delta'] = {};
      if (state.content) delta.content = restoreText(state.content);
      if (state.reasoning) delta.reasoning_content = restoreText(state.reasoning);
      if (calls.length > 0) delta.tool_calls = calls;
      tail.push({ index, delta, finish_reason: null });
    }
    if (tail.length > 0 && last) yield { chunk: { ...last, choices: tail, usage: undefined } };
  }

  const textStream = (json: boolean) => {
    let held = '';
    return {
      push(text: string): string {
        const r = feed(held, text, false, json);
        held = r.held;
        return r.out;
      },
      end(): string {
        const r = feed(held, '', true, json);
        held = '';
        return r.out;
      },
    };
  };

  return { restoreText, restoreJsonText, restoreResponse, restoreStream, textStream, placeholders: valueByPlaceholder, size };
}
