/**
 * Runs a suite: every prompt × test case is a case; every case runs on every target through the
 * gateway, at most `concurrency` requests at a time, then its assertions score it. Library code:
 * returns an `EvalRun` and never exits; the CLI decides the exit code.
 */
import type { ChatMessage, FunctionTool } from '../api/types.js';
import { ConfigError } from '../errors.js';
import { interpolate, interpolateString, UnresolvedVariableError } from '../scenarios/template.js';
import { runAssertion, scoreCase } from './assertions/index.js';
import { bound, GatewayClient, type GatewayOptions } from './gateway-client.js';
import { summarizeTarget, verdicts } from './summary.js';
import type { CaseInfo, CellResult, EvalPrompt, EvalRun, EvalSuite, EvalTarget, EvalTestCase } from './types.js';

export interface EvalProgress {
  done: number;
  total: number;
  passed: number;
  failed: number;
}

export interface RunEvalOptions extends Partial<GatewayOptions> {
  baseUrl: string;
  /** Overrides the suite's `evaluateOptions.maxConcurrency`. */
  concurrency?: number;
  onProgress?: (p: EvalProgress) => void;
  /** Clock (ms since epoch), for the run id and timestamps. */
  now?: () => number;
  /**
   * Run every test with this registered prompt version instead of the suite's prompts (the gate of
   * `meridian prompts label --gate`): each request names it (`prompt: {name, version, variables:
   * the test's vars}`) and the gateway renders it, exactly as production requests do. `render`
   * gives the text model-graded assertions see as the prompt.
   */
  registeredPrompt?: RegisteredPrompt;
}

export interface RegisteredPrompt {
  name: string;
  version: number;
  render?: (vars: Record<string, unknown>) => string;
}

interface PlannedCase {
  info: CaseInfo;
  messages: ChatMessage[];
  promptText: string;
  test: EvalTestCase;
  /** Body fields naming a registered prompt (`prompt: {name, version, variables}`). */
  extra?: Record<string, unknown>;
}

/** A prompt is a template; a JSON array of messages is rendered message by message. */
export function renderPrompt(prompt: EvalPrompt, vars: Record<string, unknown>): ChatMessage[] {
  const trimmed = prompt.raw.trim();
  if (trimmed.startsWith('[')) {
    try {
      const messages = JSON.parse(trimmed) as unknown;
      if (Array.isArray(messages) && messages.every((m) => m && typeof m === 'object' && typeof m.role === 'string')) {
        return interpolate(messages, vars, {}) as ChatMessage[];
      }
    } catch {
      // Not JSON: a text prompt that happens to start with '['.
    }
  }
  return [{ role: 'user', content: interpolateString(prompt.raw, vars, {}) }];
}

/** One case per test, all with the registered prompt (rendered by the gateway). */
function planRegisteredCases(suite: EvalSuite, p: RegisteredPrompt): PlannedCase[] {
  const label = `${p.name}@${p.version}`;
  return suite.tests.map((test, j) => ({
    info: {
      key: `${label} / ${test.description ?? `#${j + 1}`}`,
      prompt: label,
      description: test.description ?? `#${j + 1}`,
      vars: test.vars,
    },
    messages: [],
    promptText: p.render?.(test.vars) ?? label,
    test,
    extra: { prompt: { name: p.name, version: p.version, variables: test.vars } },
  }));
}

function planCases(suite: EvalSuite): PlannedCase[] {
  const keys = new Map<string, number>();
  return suite.prompts.flatMap((prompt) =>
    suite.tests.map((test, j) => {
      let key = `${prompt.label} / ${test.description ?? `#${j + 1}`}`;
      const n = (keys.get(key) ?? 0) + 1;
      keys.set(key, n);
      if (n > 1) key = `${key} (${n})`;
      let messages: ChatMessage[];
      try {
        messages = renderPrompt(prompt, test.vars);
      } catch (err) {
        const name = err instanceof UnresolvedVariableError ? err.variable : undefined;
        const why = name ? `variable '${name}' is not set: add it to the test's vars (or defaultTest.vars)` : (err as Error).message;
        throw new ConfigError(`prompt '${prompt.label}', test ${test.description ? `'${test.description}'` : `#${j + 1}`}: ${why}.`);
      }
      const promptText = messages.map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n');
      return {
        info: { key, prompt: prompt.label, description: test.description ?? `#${j + 1}`, vars: test.vars },
        messages,
        promptText,
        test,
      };
    }),
  );
}

/** Runs `work` over `items` with at most `limit` in flight; results keep the items' order. */
export async function mapLimit<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

/** The suite's tools plus the target's; a target tool with the same name replaces the suite's. */
export function offeredTools(suite: EvalSuite, target: EvalTarget): FunctionTool[] {
  const own = target.config.tools ?? [];
  const names = new Set(own.map((t) => t.function.name));
  return [...suite.tools.filter((t) => !names.has(t.function.name)), ...own];
}

async function runCell(client: GatewayClient, suite: EvalSuite, target: EvalTarget, planned: PlannedCase): Promise<CellResult> {
  const tools = offeredTools(suite, target);
  const answer = await client.chat(target.model, planned.messages, { ...target.config, tools }, planned.extra);
  const output = answer.text || (answer.toolCalls.length ? JSON.stringify(answer.toolCalls.map((c) => c.function)) : '');
  const cell: CellResult = {
    caseKey: planned.info.key,
    target: target.label,
    model: target.model,
    pass: false,
    score: 0,
    output: bound(output),
    latencyMs: Math.round(answer.latencyMs),
    tokens: answer.tokens,
    assertions: [],
  };
  if (answer.toolCalls.length) cell.toolCalls = answer.toolCalls;
  if (answer.costUsd !== undefined) cell.costUsd = answer.costUsd;
  if (answer.route) cell.route = answer.route;
  if (answer.error) {
    cell.error = answer.error;
    return cell;
  }
  const ctx = {
    output: answer.text,
    toolCalls: answer.toolCalls,
    latencyMs: answer.latencyMs,
    ...(answer.costUsd !== undefined ? { costUsd: answer.costUsd } : {}),
    vars: planned.test.vars,
    tools,
    prompt: planned.promptText,
    grader: client,
    ...(suite.judge ? { judge: suite.judge } : {}),
    ...(suite.embedding ? { embedding: suite.embedding } : {}),
  };
  // Assertions of one cell run in order: judge calls count against the same concurrency budget.
  for (const a of planned.test.assert) cell.assertions.push(await runAssertion(a, ctx));
  const scored = scoreCase(cell.assertions, planned.test.threshold);
  cell.pass = scored.pass;
  cell.score = scored.score;
  return cell;
}

export function makeRunId(startedMs: number): string {
  const stamp = new Date(startedMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

export async function runEval(suite: EvalSuite, opts: RunEvalOptions): Promise<EvalRun> {
  const now = opts.now ?? Date.now;
  const started = now();
  const client = new GatewayClient({
    baseUrl: opts.baseUrl,
    timeoutMs: opts.timeoutMs ?? suite.timeoutMs,
    ...(opts.apiKey ? { apiKey: opts.apiKey } : {}),
  });
  const cases = opts.registeredPrompt ? planRegisteredCases(suite, opts.registeredPrompt) : planCases(suite);
  const cells = cases.flatMap((c) => suite.targets.map((t) => ({ c, t })));
  const progress: EvalProgress = { done: 0, total: cells.length, passed: 0, failed: 0 };
  opts.onProgress?.({ ...progress });
  const results = await mapLimit(cells, opts.concurrency ?? suite.maxConcurrency, async ({ c, t }) => {
    const cell = await runCell(client, suite, t, c);
    progress.done++;
    if (cell.pass) progress.passed++;
    else progress.failed++;
    opts.onProgress?.({ ...progress });
    return cell;
  });
  const targets = suite.targets.map((t) => summarizeTarget(t, results, suite.threshold));
  return {
    version: 1,
    runId: makeRunId(started),
    suite: { file: suite.file, ...(suite.description !== undefined ? { description: suite.description } : {}) },
    startedAt: new Date(started).toISOString(),
    durationMs: Math.max(0, Math.round(now() - started)),
    baseUrl: opts.baseUrl,
    ...(suite.reference !== undefined ? { reference: suite.reference } : {}),
    cases: cases.map((c) => c.info),
    targets,
    results,
    verdicts: verdicts(targets, suite.reference, results),
    ok: results.length > 0 && targets.every((t) => t.meetsThreshold),
  };
}
