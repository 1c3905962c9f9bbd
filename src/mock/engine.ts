/**
 * The mock engine: canonical request in, a *plan* out — what to answer and how to deliver it
 * (latency, slow first token, a truncated stream, an error status, a dropped connection, a hang).
 * The HTTP server and the in-process `mock` provider both carry plans out; neither decides
 * anything. Deterministic: the same request (and the same sequence of requests, for `every` and
 * `probability` rules) always yields the same plan.
 */
import type { ChatRequest, ChatResponse, EmbeddingsRequest, EmbeddingsResponse, FinishReason, ToolCall } from '../api/types.js';
import { hash32, hashHex, seededRandom, stableStringify } from './determinism.js';
import { ngramEmbedding } from './ngram-embedding.js';
import { defaultAnswer, lastUserText, makeToolCall, type DraftAnswer } from './default-answer.js';
import { renderTemplate, ruleMatches, type MatchFacts, type MockRule, type MockRulesFile } from './rules.js';
import { responseToChunks } from './stream-chunks.js';
import { contentText, countPromptTokens, countTokens, truncateToTokens } from './tokens.js';

export const MOCK_MODELS = ['mock-small', 'mock-large', 'mock-embed', 'mock-whisper'];
export const DEFAULT_EMBEDDING_DIMS = 16;
/** Enough buckets that hashed words and trigrams of a sentence rarely collide. */
export const NGRAM_EMBEDDING_DIMS = 512;

/** How to deliver an answer (all optional; the server and the adapter honour each). */
export interface Delivery {
  latencyMs: number;
  firstTokenMs: number;
  chunkDelayMs: number;
  /** Drop the connection after this many stream chunks. */
  truncateAfterChunks?: number;
}

export type MockPlan =
  | { kind: 'error'; status: number; message: string; type: string; code: string; retryAfter?: number; delivery: Delivery; rule?: string }
  | { kind: 'drop'; delivery: Delivery; rule?: string }
  | { kind: 'hang'; hangMs: number; delivery: Delivery; rule?: string }
  | { kind: 'chat'; response: ChatResponse; delivery: Delivery; rule?: string };

export type EmbedPlan =
  Exclude<MockPlan, { kind: 'chat' }> | { kind: 'embeddings'; response: EmbeddingsResponse; delivery: Delivery; rule?: string };

export type TranscribePlan =
  Exclude<MockPlan, { kind: 'chat' }> | { kind: 'transcription'; text: string; delivery: Delivery; rule?: string };

export interface MockEngineOptions {
  rules?: MockRulesFile;
  /** Clock for `created` (seconds). Defaults to a fixed epoch so answers are byte-identical. */
  now?: () => number;
}

const FIXED_CREATED = 1_700_000_000;

export class MockEngine {
  private readonly rules: MockRule[];
  private readonly random: () => number;
  private readonly matchCounts = new Map<number, number>();
  private requestCount = 0;
  readonly extraModels: string[];

  constructor(private readonly opts: MockEngineOptions = {}) {
    this.rules = opts.rules?.rules ?? [];
    this.random = seededRandom(opts.rules?.seed ?? 1);
    this.extraModels = [...new Set([...(opts.rules?.models ?? []), ...this.ruleModelNames()])];
  }

  /** Models the mock claims to serve: the built-in ones plus exact model names in rules. */
  models(): string[] {
    return [...new Set([...MOCK_MODELS, ...this.extraModels])];
  }

  chat(request: ChatRequest): MockPlan {
    const facts: MatchFacts = {
      endpoint: 'chat',
      model: request.model,
      lastUser: lastUserText(request.messages),
      hasTools: (request.tools?.length ?? 0) > 0,
      stream: request.stream === true,
    };
    const rule = this.pickRule(facts);
    const delivery = deliveryOf(rule);
    const fault = rule && faultPlan(rule, delivery);
    if (fault) return fault;
    const draft = rule ? this.ruleAnswer(rule, request, facts) : defaultAnswer(request);
    return {
      kind: 'chat',
      response: this.buildResponse(request, draft, rule?.finish_reason),
      delivery,
      ...(rule?.name ? { rule: rule.name } : {}),
    };
  }

  embed(request: EmbeddingsRequest): EmbedPlan {
    const inputs = embeddingInputs(request.input);
    const facts: MatchFacts = { endpoint: 'embeddings', model: request.model, lastUser: inputs.join('\n'), hasTools: false, stream: false };
    const rule = this.pickRule(facts);
    const delivery = deliveryOf(rule);
    const fault = rule && faultPlan(rule, delivery);
    if (fault) return fault;
    // `mock-embed-ngram` (any model name with `ngram`): the bag-of-words/trigram embedding, so
    // similar texts are close (the semantic cache bench); other names: a random vector per text.
    const ngram = request.model.includes('ngram');
    const dims = request.dimensions ?? (ngram ? NGRAM_EMBEDDING_DIMS : DEFAULT_EMBEDDING_DIMS);
    const vector = ngram ? ngramEmbedding : embeddingVector;
    const tokens = inputs.reduce((n, t) => n + countTokens(t), 0);
    return {
      kind: 'embeddings',
      delivery,
      response: {
        object: 'list',
        model: request.model,
        data: inputs.map((text, index) => ({ object: 'embedding', index, embedding: vector(text, dims) })),
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      },
    };
  }

  /**
   * Speech to text, deterministic: the first `endpoint: audio` rule whose `message` matches the
   * file name answers with its `text` (templates: {{filename}}, {{model}}); with
   * no rule, a fixed sentence naming the file. Faults (`error`, `drop_connection`, …) apply too.
   */
  transcribe(request: { model: string; filename: string }): TranscribePlan {
    const facts: MatchFacts = { endpoint: 'audio', model: request.model, lastUser: request.filename, hasTools: false, stream: false };
    const rule = this.pickRule(facts);
    const delivery = deliveryOf(rule);
    const fault = rule && faultPlan(rule, delivery);
    if (fault) return fault;
    const vars: Record<string, string> = { filename: request.filename, model: request.model };
    const text =
      rule?.text !== undefined
        ? rule.text.replace(/\{\{(\w+)\}\}/g, (m, k: string) => vars[k] ?? m)
        : `This is a mock transcript of ${request.filename}.`;
    return { kind: 'transcription', text, delivery, ...(rule?.name ? { rule: rule.name } : {}) };
  }

  /** Stream chunks for a chat plan's response, in OpenAI order. */
  chunks(response: ChatResponse, includeUsage: boolean) {
    return responseToChunks(response, includeUsage);
  }

  private pickRule(facts: MatchFacts): MockRule | undefined {
    this.requestCount++;
    for (const [index, rule] of this.rules.entries()) {
      if (!ruleMatches(rule, facts)) continue;
      const seen = (this.matchCounts.get(index) ?? 0) + 1;
      this.matchCounts.set(index, seen);
      if (rule.times !== undefined && seen > rule.times) continue;
      if (rule.every !== undefined && rule.every > 1 && seen % rule.every !== 0) continue;
      // Draw only for probabilistic rules so adding one does not shift others' sequences.
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      return rule;
    }
    return undefined;
  }

  private ruleAnswer(rule: MockRule, request: ChatRequest, facts: MatchFacts): DraftAnswer {
    const vars: Record<string, string> = {
      last_user: facts.lastUser,
      model: request.model,
      system: request.messages
        .filter((m) => m.role === 'system' || m.role === 'developer')
        .map((m) => contentText(m.content))
        .join('\n'),
      tool_names: (request.tools ?? []).map((t) => t.function.name).join(', '),
      request_count: String(this.requestCount),
    };
    if (rule.tool_calls?.length) {
      const seedText = stableStringify(request.messages);
      const calls: ToolCall[] = rule.tool_calls.map((c) => {
        const declared = request.tools?.find((t) => t.function.name === c.name) ?? {
          type: 'function' as const,
          function: { name: c.name },
        };
        const args = typeof c.arguments === 'string' ? renderTemplate(c.arguments, vars) : c.arguments;
        return makeToolCall(declared, seedText, args);
      });
      return { content: rule.text === undefined ? null : renderTemplate(rule.text, vars), toolCalls: calls };
    }
    if (rule.json !== undefined) return { content: JSON.stringify(rule.json), toolCalls: [] };
    if (rule.text !== undefined) return { content: renderTemplate(rule.text, vars), toolCalls: [] };
    return defaultAnswer(request);
  }

  private buildResponse(request: ChatRequest, draft: DraftAnswer, forcedFinish?: FinishReason): ChatResponse {
    let content = draft.content;
    let finish: FinishReason = draft.toolCalls.length ? 'tool_calls' : 'stop';
    const limit = request.max_completion_tokens ?? request.max_tokens;
    if (content !== null && limit !== undefined && countTokens(content) > limit) {
      content = truncateToTokens(content, limit);
      finish = 'length';
    }
    const promptTokens = countPromptTokens(request.messages);
    const completionTokens =
      countTokens(content ?? '') +
      draft.toolCalls.reduce((n, c) => n + countTokens(c.function.name) + countTokens(c.function.arguments), 0);
    return {
      id: `chatcmpl-mock-${hashHex(stableStringify(request), 16)}`,
      object: 'chat.completion',
      created: this.opts.now?.() ?? FIXED_CREATED,
      model: request.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content, ...(draft.toolCalls.length ? { tool_calls: draft.toolCalls } : {}) },
          finish_reason: forcedFinish ?? finish,
        },
      ],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
      system_fingerprint: 'fp_meridian_mock',
    };
  }

  private ruleModelNames(): string[] {
    return this.rules.map((r) => r.match?.model).filter((m): m is string => typeof m === 'string' && !/^\/.*\/[a-z]*$/s.test(m));
  }
}

function deliveryOf(rule: MockRule | undefined): Delivery {
  return {
    latencyMs: rule?.latency_ms ?? 0,
    firstTokenMs: rule?.first_token_ms ?? 0,
    chunkDelayMs: rule?.chunk_delay_ms ?? 0,
    ...(rule?.truncate_after_chunks !== undefined ? { truncateAfterChunks: rule.truncate_after_chunks } : {}),
  };
}

function faultPlan(rule: MockRule, delivery: Delivery): Exclude<MockPlan, { kind: 'chat' }> | null {
  const name = rule.name ? { rule: rule.name } : {};
  if (rule.drop_connection) return { kind: 'drop', delivery, ...name };
  if (rule.hang) return { kind: 'hang', hangMs: rule.hang_ms ?? 600_000, delivery, ...name };
  if (rule.error) {
    const e = rule.error;
    return {
      kind: 'error',
      status: e.status,
      message: e.message ?? defaultErrorMessage(e.status),
      type: e.type ?? defaultErrorType(e.status),
      code: e.code ?? (e.status === 429 ? 'rate_limit_exceeded' : `mock_${e.status}`),
      ...(e.retry_after !== undefined ? { retryAfter: e.retry_after } : {}),
      delivery,
      ...name,
    };
  }
  return null;
}

function defaultErrorMessage(status: number): string {
  if (status === 429) return 'Rate limit reached (mock).';
  if (status >= 500) return `The mock server failed on purpose (${status}).`;
  return `The mock rejected the request (${status}).`;
}

function defaultErrorType(status: number): string {
  if (status === 429) return 'rate_limit_error';
  if (status === 401) return 'authentication_error';
  if (status === 404) return 'not_found_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function embeddingInputs(input: EmbeddingsRequest['input']): string[] {
  if (typeof input === 'string') return [input];
  if (input.length === 0) return [];
  if (typeof input[0] === 'number') return [(input as number[]).join(' ')];
  return (input as Array<string | number[]>).map((i) => (typeof i === 'string' ? i : i.join(' ')));
}

/** A unit vector seeded by the text: equal texts get equal vectors, different texts differ. */
export function embeddingVector(text: string, dims: number): number[] {
  const rand = seededRandom(hash32(text));
  const v = Array.from({ length: dims }, () => rand() * 2 - 1);
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return v.map((x) => Math.round((x / norm) * 1e6) / 1e6);
}
