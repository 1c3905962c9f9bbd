/**
 * Usage and cost of one attempt, the same for every wire format: the upstream's usage when it
 * reported one, tokens counted from the text otherwise; priced by the meter and written to the
 * log entry. For streams this is one stage piped after the adapter (and the guard's restore), so
 * the wire writers only write.
 */
import type { ChatChunk, ChatRequest, ChatResponse, RelayEvent, StreamEvent, Usage } from '../api/types.js';
import type { Deployment } from '../providers/spec.js';
import type { RequestLogEntry } from '../store/types.js';
import type { CostResult, GatewayServices } from './services.js';

/** Records usage and cost on the entry; returns the cost in USD. */
export function account(g: GatewayServices, entry: RequestLogEntry, d: Deployment, usage: Usage, counted: boolean): number {
  const cost = g.meter.costOf(d, usage);
  entry.promptTokens = usage.prompt_tokens;
  entry.completionTokens = usage.completion_tokens;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  const cached = usage.prompt_tokens_details?.cached_tokens;
  if (reasoning) entry.reasoningTokens = reasoning;
  if (cached) entry.cachedTokens = cached;
  recordCost(entry, cost, counted);
  return cost.usd;
}

/** Cost on the log entry: tokens counted (upstream gave no usage) and price estimated (none known) are separate truths. */
export function recordCost(entry: RequestLogEntry, cost: CostResult, tokensCounted: boolean): void {
  entry.tokensEstimated = tokensCounted;
  if (cost.priceEstimated) entry.costEstimated = true;
  entry.costUsd = cost.usd;
}

/** Usage counted with the tokenizer, for upstreams that report none. */
export async function countUsage(g: GatewayServices, request: ChatRequest, d: Deployment, completionText: string): Promise<Usage> {
  const [prompt, completion] = await Promise.all([
    g.meter.countPromptTokens(request),
    g.meter.countCompletionTokens(completionText, d.model),
  ]);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

export function responseText(response: ChatResponse): string {
  const msg = response.choices[0]?.message;
  return (
    (typeof msg?.content === 'string' ? msg.content : '') +
    (msg?.tool_calls?.map((t) => t.function.name + t.function.arguments).join('') ?? '')
  );
}

export function deltaText(chunk: ChatChunk): string {
  let s = '';
  for (const c of chunk.choices) {
    if (c.delta.content) s += c.delta.content;
    if (c.delta.tool_calls) for (const t of c.delta.tool_calls) s += (t.function?.name ?? '') + (t.function?.arguments ?? '');
  }
  return s;
}

/** What the metering stage learned; `costUsd` is set once the stream has ended (or failed). */
export interface StreamMeter {
  costUsd?: number;
}

/**
 * Passes events through and accounts the attempt when the stream ends. An upstream that sent no
 * usage gets a counted one, emitted as a usage-only chunk (`choices: []`) like OpenAI's
 * `include_usage`, so every wire writer sees usage the same way. A failed stream is accounted
 * with counted tokens (what was generated was paid for), then the failure goes on to the writer.
 */
export async function* meterStream<E extends RelayEvent>(
  events: AsyncIterable<E>,
  account: (usage: Usage, counted: boolean) => number,
  count: (completionText: string) => Promise<Usage>,
  meter: StreamMeter,
): AsyncGenerator<E | StreamEvent> {
  let usage: Usage | undefined;
  let text = '';
  let last: ChatChunk | undefined;
  try {
    for await (const ev of events) {
      if ('sse' in ev) text += ev.text;
      else {
        last = ev.chunk;
        if (ev.chunk.usage) usage = ev.chunk.usage;
        else text += deltaText(ev.chunk);
      }
      yield ev;
    }
  } catch (err) {
    meter.costUsd = account(usage ?? (await count(text)), usage === undefined);
    throw err;
  }
  if (usage) {
    meter.costUsd = account(usage, false);
    return;
  }
  const counted = await count(text);
  meter.costUsd = account(counted, true);
  if (last)
    yield {
      chunk: { id: last.id, object: 'chat.completion.chunk', created: last.created, model: last.model, choices: [], usage: counted },
    };
}
