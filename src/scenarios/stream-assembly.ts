/**
 * Assembles a streamed response into what assertions look at: the full `text`, the complete
 * `tool_calls` (OpenAI shape), and the parsed `chunks`. Understands the three wire formats a
 * scenario may hit — OpenAI SSE chunks, Anthropic SSE events, Ollama NDJSON lines — so one
 * assertion can run against all of them and expose their differences.
 * References: https://platform.openai.com/docs/api-reference/chat-streaming ,
 * https://docs.anthropic.com/en/docs/build-with-claude/streaming ,
 * https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion
 */
export interface AssembledToolCall {
  id?: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface StreamAssembly {
  text: string;
  tool_calls: AssembledToolCall[];
  chunks: unknown[];
  finish_reason: string | null;
  usage: unknown;
  /** True when the stream ended properly (`[DONE]`, `message_stop`, or Ollama `done: true`). */
  done: boolean;
  /** Stream-level error events (OpenAI `{"error"}`, Anthropic `event: error`, Ollama `{"error"}`). */
  errors: unknown[];
}

export class StreamAssembler {
  private readonly out: StreamAssembly = {
    text: '',
    tool_calls: [],
    chunks: [],
    finish_reason: null,
    usage: undefined,
    done: false,
    errors: [],
  };
  private readonly byIndex = new Map<number, AssembledToolCall>();
  /** Time the first token (text or tool call) arrived, relative to the caller's clock. */
  firstTokenAt: number | undefined;

  /** Feeds one SSE `data:` payload or NDJSON line. Returns true when it carried a token. */
  push(data: string, now: number): boolean {
    if (data === '[DONE]') {
      this.out.done = true;
      return false;
    }
    let parsed: any;
    try {
      parsed = JSON.parse(data);
    } catch {
      this.out.chunks.push(data);
      return false;
    }
    this.out.chunks.push(parsed);
    const before = this.out.text.length + this.toolCallSize();
    if (parsed?.error) this.out.errors.push(parsed.error);
    else if (Array.isArray(parsed?.choices) || parsed?.object === 'chat.completion.chunk') this.openai(parsed);
    else if (typeof parsed?.type === 'string') this.anthropic(parsed);
    else if (parsed?.message || 'done' in (parsed ?? {})) this.ollama(parsed);
    const gotToken = this.out.text.length + this.toolCallSize() > before;
    if (gotToken && this.firstTokenAt === undefined) this.firstTokenAt = now;
    return gotToken;
  }

  result(): StreamAssembly {
    return { ...this.out, tool_calls: [...this.byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => c) };
  }

  private toolCallSize(): number {
    let n = 0;
    for (const c of this.byIndex.values()) n += c.function.name.length + c.function.arguments.length + 1;
    return n;
  }

  private call(index: number): AssembledToolCall {
    let c = this.byIndex.get(index);
    if (!c) {
      c = { type: 'function', function: { name: '', arguments: '' } };
      this.byIndex.set(index, c);
    }
    return c;
  }

  private openai(chunk: any): void {
    if (chunk.usage) this.out.usage = chunk.usage;
    for (const choice of chunk.choices ?? []) {
      const d = choice.delta ?? {};
      if (typeof d.content === 'string') this.out.text += d.content;
      for (const tc of d.tool_calls ?? []) {
        const c = this.call(tc.index ?? 0);
        if (tc.id) c.id = tc.id;
        if (tc.function?.name) c.function.name += tc.function.name;
        if (tc.function?.arguments) c.function.arguments += tc.function.arguments;
      }
      if (choice.finish_reason) this.out.finish_reason = choice.finish_reason;
    }
  }

  private anthropic(ev: any): void {
    switch (ev.type) {
      case 'content_block_start':
        if (ev.content_block?.type === 'tool_use') {
          const c = this.call(ev.index);
          c.id = ev.content_block.id;
          c.function.name = ev.content_block.name ?? '';
        } else if (ev.content_block?.type === 'text' && ev.content_block.text) this.out.text += ev.content_block.text;
        break;
      case 'content_block_delta':
        if (ev.delta?.type === 'text_delta') this.out.text += ev.delta.text ?? '';
        else if (ev.delta?.type === 'input_json_delta') this.call(ev.index).function.arguments += ev.delta.partial_json ?? '';
        break;
      case 'message_delta':
        if (ev.delta?.stop_reason) this.out.finish_reason = ev.delta.stop_reason;
        if (ev.usage) this.out.usage = ev.usage;
        break;
      case 'message_stop':
        this.out.done = true;
        break;
      default:
        break;
    }
  }

  private ollama(line: any): void {
    const m = line.message ?? {};
    if (typeof m.content === 'string') this.out.text += m.content;
    for (const tc of m.tool_calls ?? []) {
      const c = this.call(this.byIndex.size);
      c.function.name = tc.function?.name ?? '';
      c.function.arguments = JSON.stringify(tc.function?.arguments ?? {});
    }
    if (line.done) {
      this.out.done = true;
      this.out.finish_reason = line.done_reason ?? null;
      this.out.usage = { prompt_eval_count: line.prompt_eval_count, eval_count: line.eval_count };
    }
  }
}
