/**
 * `meridian bench`: drives a live engine through its adapter (any provider type in the adapter
 * table) with streaming chat requests at each concurrency level for a fixed duration, and measures
 * time to first token, per-stream decode speed and total output throughput.
 *
 * Per-stream speed counts the tokens after the first chunk over the time from the first to the
 * last chunk — the decode rate a user sees once text starts, independent of queueing and prefill.
 * Total speed is all output tokens of a level over the level's wall time (until the last request
 * started in the window finishes) — what a busy engine sustains, and what the cost model uses.
 */
import type { ChatRequest } from '../api/types.js';
import { toMeridianError } from '../errors.js';
import { createProviderHandle } from '../providers/registry.js';
import type { Deployment, Location, ProviderHandle } from '../providers/spec.js';
import type { BenchLevelResult, BenchRun, Percentiles } from './bench-results.js';
import { countTokens, encodingForModel, warmTokenizers } from './tokens.js';

/** Everyday requests of different lengths: chat, summarizing, code, extraction. */
export const BENCH_PROMPTS: readonly string[] = [
  'Explain the difference between a process and a thread to a new engineer, with one example of each.',
  'Write a short, friendly email to a customer explaining that their order will arrive two days late and offering a 10% discount on the next purchase.',
  'Summarize the main trade-offs between PostgreSQL and SQLite for a small web application, as a bulleted list.',
  'Write a TypeScript function that parses a duration string like "1h30m" or "45s" into milliseconds, with input validation.',
  'Extract the people, places and dates from this text as JSON: "On 3 March 2024, Maria Lopez flew from Lisbon to Berlin to meet Tom Becker at the Tegel office."',
  'What are three practical ways to reduce the latency of a REST API that reads from a relational database? Keep each under 80 words.',
  'Translate into French and then German: "The meeting has been moved to Thursday at 10 am; please bring the quarterly figures."',
  "Review this SQL and suggest an index: SELECT * FROM orders WHERE customer_id = $1 AND created_at > now() - interval '30 days' ORDER BY created_at DESC;",
];

export interface BenchOptions {
  target: string;
  providerId: string;
  model: string;
  providerType: string;
  baseUrl?: string;
  apiKey?: string;
  location?: Location;
  concurrency: number[];
  durationMs: number;
  maxTokens: number;
  /** Per-request timeout. */
  requestTimeoutMs?: number;
  /** Called about once a second with a one-line status. */
  onProgress?: (line: string) => void;
  /** Used instead of building a provider handle (tests, or the lead's configured provider). */
  provider?: ProviderHandle;
}

interface Sample {
  ok: boolean;
  error?: string;
  ttftMs?: number;
  perStreamTps?: number;
  outputTokens: number;
  estimated: boolean;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] ?? 0;
}

const pct = (xs: number[]): Percentiles => ({ p50: round1(percentile(xs, 50)), p95: round1(percentile(xs, 95)) });
const round1 = (x: number): number => Math.round(x * 10) / 10;

/** One streaming request, timed. */
async function runOne(deployment: Deployment, prompt: string, maxTokens: number, timeoutMs: number): Promise<Sample> {
  const request: ChatRequest = {
    model: deployment.model,
    messages: [{ role: 'user', content: prompt }],
    stream: true,
    stream_options: { include_usage: true },
    max_tokens: maxTokens,
    temperature: 0.7,
  };
  const start = performance.now();
  let first: number | undefined;
  let last = start;
  let firstText = '';
  let text = '';
  let reportedTokens: number | undefined;
  try {
    const result = await deployment.provider.adapter.chat({ request, deployment, signal: AbortSignal.timeout(timeoutMs) });
    if (result.type === 'response') {
      const msg = result.response.choices[0]?.message;
      const all = (msg?.content as string | null) ?? '';
      const tokens = result.response.usage?.completion_tokens ?? countTokens(all, deployment.model).tokens;
      return { ok: true, ttftMs: performance.now() - start, outputTokens: tokens, estimated: !result.response.usage };
    }
    if (result.type === 'relay') throw new Error(`'${deployment.id}' answered with a relayed stream it was not asked for`);
    for await (const ev of result.events) {
      if (ev.chunk.usage?.completion_tokens !== undefined) reportedTokens = ev.chunk.usage.completion_tokens;
      const delta = ev.chunk.choices[0]?.delta;
      if (!delta) continue;
      const piece =
        (delta.content ?? '') + (delta.reasoning_content ?? '') + (delta.tool_calls ?? []).map((t) => t.function?.arguments ?? '').join('');
      if (!piece) continue;
      const now = performance.now();
      if (first === undefined) {
        first = now;
        firstText = piece;
      }
      last = now;
      text += piece;
    }
  } catch (err) {
    return { ok: false, error: toMeridianError(err).message, outputTokens: 0, estimated: false };
  }
  const outputTokens = reportedTokens ?? countTokens(text, deployment.model).tokens;
  const sample: Sample = { ok: true, outputTokens, estimated: reportedTokens === undefined };
  if (first !== undefined) {
    sample.ttftMs = first - start;
    const decodeTokens = outputTokens - countTokens(firstText, deployment.model).tokens;
    const decodeSeconds = (last - first) / 1000;
    if (decodeTokens > 0 && decodeSeconds > 0) sample.perStreamTps = decodeTokens / decodeSeconds;
  }
  return sample;
}

async function runLevel(deployment: Deployment, opts: BenchOptions, concurrency: number): Promise<BenchLevelResult> {
  const samples: Sample[] = [];
  const start = performance.now();
  const deadline = start + opts.durationMs;
  let promptIndex = 0;
  let tokensSoFar = 0;
  const timer = setInterval(() => {
    const elapsed = (performance.now() - start) / 1000;
    const errors = samples.filter((s) => !s.ok).length;
    opts.onProgress?.(
      `[concurrency ${concurrency}] ${elapsed.toFixed(0)}s/${(opts.durationMs / 1000).toFixed(0)}s  requests ${samples.length}  errors ${errors}  ~${Math.round(tokensSoFar / Math.max(elapsed, 0.001))} tok/s`,
    );
  }, 1000);
  timer.unref();
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const prompt = BENCH_PROMPTS[promptIndex++ % BENCH_PROMPTS.length] ?? '';
      const s = await runOne(deployment, prompt, opts.maxTokens, opts.requestTimeoutMs ?? 120_000);
      samples.push(s);
      tokensSoFar += s.outputTokens;
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    clearInterval(timer);
  }
  const wallMs = performance.now() - start;
  const ok = samples.filter((s) => s.ok);
  const perStream = ok.flatMap((s) => (s.perStreamTps === undefined ? [] : [s.perStreamTps]));
  const outputTokens = ok.reduce((a, s) => a + s.outputTokens, 0);
  const errorSamples = [...new Set(samples.flatMap((s) => (s.error ? [s.error] : [])))].slice(0, 3);
  return {
    concurrency,
    requests: samples.length,
    errors: samples.length - ok.length,
    errorSamples,
    ttftMs: pct(ok.flatMap((s) => (s.ttftMs === undefined ? [] : [s.ttftMs]))),
    tokensPerSecondPerStream: { ...pct(perStream), mean: round1(perStream.reduce((a, b) => a + b, 0) / Math.max(perStream.length, 1)) },
    totalTokensPerSecond: round1(outputTokens / (wallMs / 1000)),
    outputTokens,
    tokensEstimated: ok.some((s) => s.estimated),
    wallMs: Math.round(wallMs),
  };
}

export async function runBench(opts: BenchOptions): Promise<BenchRun> {
  const provider =
    opts.provider ??
    createProviderHandle({
      id: opts.providerId,
      type: opts.providerType,
      location: opts.location ?? 'local',
      ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
      ...(opts.apiKey ? { apiKey: opts.apiKey } : {}),
      connections: Math.max(...opts.concurrency, 1),
    });
  const deployment: Deployment = {
    id: `${provider.id}/${opts.model}`,
    provider,
    model: opts.model,
    location: provider.location,
    capabilities: { tools: false, vision: false, jsonSchema: false, embeddings: false },
  };
  const run: BenchRun = {
    version: 1,
    target: opts.target,
    providerType: provider.type,
    baseUrl: provider.baseUrl,
    model: opts.model,
    startedAt: new Date().toISOString(),
    durationSeconds: opts.durationMs / 1000,
    maxTokens: opts.maxTokens,
    levels: [],
  };
  // Building an encoder takes ~0.5 s of CPU: do it before the clock starts, not inside a level.
  await warmTokenizers([encodingForModel(opts.model) ?? 'o200k_base']);
  try {
    for (const c of opts.concurrency) {
      opts.onProgress?.(`[concurrency ${c}] starting (${(opts.durationMs / 1000).toFixed(0)}s)`);
      run.levels.push(await runLevel(deployment, opts, c));
    }
  } finally {
    if (!opts.provider) await provider.http.close();
  }
  return run;
}

export function formatBenchTable(run: BenchRun): string {
  const header = ['concurrency', 'requests', 'errors', 'TTFT p50 ms', 'TTFT p95 ms', 'tok/s/stream p50', 'tok/s/stream p95', 'tok/s total'];
  const rows = run.levels.map((l) => [
    String(l.concurrency),
    String(l.requests),
    String(l.errors),
    l.ttftMs.p50.toFixed(0),
    l.ttftMs.p95.toFixed(0),
    l.tokensPerSecondPerStream.p50.toFixed(1),
    l.tokensPerSecondPerStream.p95.toFixed(1),
    l.totalTokensPerSecond.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i] ?? 0)).join('  ');
  const out = [
    // In-process engines (embedded, mock) have no base URL.
    `${run.target} (${run.providerType}${run.baseUrl ? ` at ${run.baseUrl}` : ', in-process'}), ${run.durationSeconds}s per level, max_tokens ${run.maxTokens}`,
    line(header),
    ...rows.map(line),
  ];
  for (const l of run.levels) for (const e of l.errorSamples) out.push(`  errors at concurrency ${l.concurrency}: ${e}`);
  if (run.levels.some((l) => l.tokensEstimated)) out.push('  (some streams reported no usage: their tokens were counted with a tokenizer)');
  return out.join('\n');
}

/** "30s", "2m", "500ms", "1h" or a number of seconds → ms. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new RangeError(`Cannot read duration '${text}': use e.g. 30s, 2m or 500ms.`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return n * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000);
}
