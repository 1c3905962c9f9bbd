/**
 * Talks to the gateway (any OpenAI-compatible base URL) for the harness: one chat completion per
 * cell, judge calls, and embeddings. Reuses the scenario runner's HTTP step, so timeouts and
 * transport errors are described the same way. Cost comes from the gateway's
 * `x-meridian-cost-usd` header; another OpenAI-compatible server simply leaves it unknown.
 */
import type { ChatMessage, FunctionTool, ToolCall } from '../api/types.js';
import { runHttpStep } from '../scenarios/http-step.js';
import type { Grader } from './assertions/context.js';
import type { TargetConfig, TokenCounts } from './types.js';

export const DEFAULT_BASE_URL = 'http://127.0.0.1:4000/v1';

/** Stored outputs and errors are bounded so a runaway answer cannot bloat the results file. */
export const MAX_STORED_CHARS = 20_000;

export interface GatewayOptions {
  baseUrl: string;
  apiKey?: string;
  timeoutMs: number;
}

export interface ChatAnswer {
  text: string;
  toolCalls: ToolCall[];
  latencyMs: number;
  costUsd?: number;
  tokens: TokenCounts;
  route?: string;
  /** Set when there is no answer: transport failure or a non-2xx status. */
  error?: string;
}

export function bound(text: string, max = MAX_STORED_CHARS): string {
  return text.length > max ? `${text.slice(0, max)}… [${text.length - max} more characters]` : text;
}

function parseCost(header: string | undefined): number | undefined {
  if (header === undefined || !/^\d+(\.\d+)?$/.test(header.trim())) return undefined;
  return Number(header);
}

function errorText(status: number | undefined, response: unknown, transport: string | undefined): string {
  if (transport) return transport;
  const message = (response as { error?: { message?: unknown } } | undefined)?.error?.message;
  return bound(`HTTP ${status}: ${typeof message === 'string' ? message : JSON.stringify(response ?? '')}`, 1000);
}

function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (p && typeof p === 'object' && 'text' in p ? String(p.text) : '')).join('');
  return '';
}

export class GatewayClient implements Grader {
  constructor(private readonly opts: GatewayOptions) {}

  private url(path: string): string {
    return `${this.opts.baseUrl.replace(/\/+$/, '')}${path}`;
  }

  private headers(): Record<string, string> {
    return this.opts.apiKey ? { authorization: `Bearer ${this.opts.apiKey}` } : {};
  }

  /** `extra`: more body fields (a registered prompt's `prompt`). */
  async chat(
    model: string,
    messages: ChatMessage[],
    config: TargetConfig & { tools?: FunctionTool[] },
    extra?: Record<string, unknown>,
  ): Promise<ChatAnswer> {
    const { tools, ...params } = config;
    const body = { model, messages, stream: false, ...params, ...(tools?.length ? { tools } : {}), ...extra };
    const step = await runHttpStep({
      method: 'POST',
      url: this.url('/chat/completions'),
      headers: this.headers(),
      body,
      timeoutMs: this.opts.timeoutMs,
    });
    const tokens: TokenCounts = { prompt: 0, completion: 0, total: 0 };
    const answer: ChatAnswer = { text: '', toolCalls: [], latencyMs: step.latency_ms, tokens };
    const route = step.headers['x-meridian-route'];
    if (route) answer.route = route.slice(0, 300);
    if (step.error || step.status === undefined || step.status >= 300) {
      answer.error = errorText(step.status, step.response, step.error);
      return answer;
    }
    const response = step.response as {
      choices?: Array<{ message?: { content?: unknown; tool_calls?: ToolCall[] } }>;
      usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number };
    };
    const message = response?.choices?.[0]?.message;
    if (!message) {
      answer.error = `the answer has no choices[0].message: ${bound(JSON.stringify(step.response ?? ''), 300)}`;
      return answer;
    }
    answer.text = messageText(message.content);
    answer.toolCalls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
    const cost = parseCost(step.headers['x-meridian-cost-usd']);
    if (cost !== undefined) answer.costUsd = cost;
    const u = response.usage ?? {};
    tokens.prompt = u.prompt_tokens ?? 0;
    tokens.completion = u.completion_tokens ?? 0;
    tokens.total = u.total_tokens ?? tokens.prompt + tokens.completion;
    return answer;
  }

  /** Judge calls: deterministic settings, and a failure is an error (the assertion reports it). */
  async complete(model: string, messages: ChatMessage[]): Promise<string> {
    const answer = await this.chat(model, messages, { temperature: 0 });
    if (answer.error) throw new Error(`judge '${model}' failed: ${answer.error}`);
    return answer.text;
  }

  async embed(model: string, inputs: string[]): Promise<number[][]> {
    const step = await runHttpStep({
      method: 'POST',
      url: this.url('/embeddings'),
      headers: this.headers(),
      body: { model, input: inputs, encoding_format: 'float' },
      timeoutMs: this.opts.timeoutMs,
    });
    if (step.error || step.status === undefined || step.status >= 300) {
      throw new Error(`embedding model '${model}' failed: ${errorText(step.status, step.response, step.error)}`);
    }
    const data = (step.response as { data?: Array<{ index?: number; embedding?: unknown }> })?.data;
    if (!Array.isArray(data)) throw new Error(`embedding model '${model}' answered without 'data'`);
    return [...data]
      .sort((a, b) => (a.index ?? 0) - (b.index ?? 0))
      .map((d) => {
        if (!Array.isArray(d.embedding)) throw new Error(`embedding model '${model}' answered without a float vector`);
        return d.embedding as number[];
      });
  }
}
