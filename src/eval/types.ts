/**
 * The evaluation harness's data: a suite (prompts × targets × test cases, normalized from a
 * promptfoo-style file, see docs/evals.md) and the run it produces (one cell per target × case,
 * summaries per target, verdicts). An `EvalRun` is what the results store saves as JSON, so its
 * field names are a stable contract (`version` bumps when they change).
 */
import type { FunctionTool, ToolCall } from '../api/types.js';

/** One assertion as written in the suite (promptfoo's shape). `type` may carry a `not-` prefix. */
export interface EvalAssertion {
  type: string;
  value?: unknown;
  /** Minimum score (similar, model-graded) or maximum (latency ms, cost USD). */
  threshold?: number;
  /** Weight in the case's score; 0 = reported but never fails the case. Default 1. */
  weight?: number;
  /** Judge or embedding model for this assertion (overrides the suite's). */
  provider?: string;
  /** Name shown in reports instead of the type. */
  metric?: string;
}

export interface EvalTestCase {
  description?: string;
  vars: Record<string, unknown>;
  assert: EvalAssertion[];
  /** When set, the case passes if its weighted score ≥ threshold (promptfoo); else every assertion must pass. */
  threshold?: number;
}

export interface EvalPrompt {
  label: string;
  /** Template text with `{{var}}`; a JSON array of chat messages is sent as those messages. */
  raw: string;
}

/** Request settings a target adds to every call (promptfoo's provider `config`). */
export interface TargetConfig {
  temperature?: number;
  max_tokens?: number;
  top_p?: number;
  seed?: number;
  tools?: FunctionTool[];
  tool_choice?: unknown;
  response_format?: unknown;
}

export interface EvalTarget {
  /** Model name sent to the gateway: an alias or `provider/model`. */
  model: string;
  /** Name in reports (unique in the suite). */
  label: string;
  config: TargetConfig;
  /** Minimum pass rate for this target (overrides the suite's threshold). */
  threshold?: number;
}

export interface EvalSuite {
  file: string;
  description?: string;
  prompts: EvalPrompt[];
  targets: EvalTarget[];
  tests: EvalTestCase[];
  /** Minimum pass rate (0..1) every target must reach, else the run fails the gate. Default 1. */
  threshold: number;
  /** Label of the target the others are compared with in the verdict. Default: the first target. */
  reference?: string;
  /** Default judge model for model-graded assertions. */
  judge?: string;
  /** Default embedding model for `similar`. */
  embedding?: string;
  /** Tools sent with every request (targets may add their own). */
  tools: FunctionTool[];
  maxConcurrency: number;
  timeoutMs: number;
}

export interface AssertionOutcome {
  type: string;
  /** Shown name (`metric` or type). */
  name: string;
  pass: boolean;
  /** 0..1. */
  score: number;
  weight: number;
  reason: string;
}

export interface TokenCounts {
  prompt: number;
  completion: number;
  total: number;
}

export interface CellResult {
  /** Stable case key: `<prompt label> / <test description or #n>`; used by `eval compare`. */
  caseKey: string;
  target: string;
  model: string;
  pass: boolean;
  score: number;
  /** Text output (bounded), or the tool calls as JSON when the model only called tools. */
  output: string;
  toolCalls?: ToolCall[];
  /** Transport or gateway error, when the target gave no answer. */
  error?: string;
  latencyMs: number;
  /** From the gateway's `x-meridian-cost-usd` header; absent when the gateway did not say. */
  costUsd?: number;
  tokens: TokenCounts;
  /** The gateway's `x-meridian-route` header (where it ran and why). */
  route?: string;
  assertions: AssertionOutcome[];
}

export interface CaseInfo {
  key: string;
  prompt: string;
  description: string;
  vars: Record<string, unknown>;
}

export interface TargetSummary {
  target: string;
  model: string;
  cases: number;
  passed: number;
  failed: number;
  /** Cases with no answer (transport or gateway error). */
  errors: number;
  /** passed / cases (0 when there are no cases). */
  passRate: number;
  meanScore: number;
  costUsd: number;
  /** Cases whose cost the gateway did not report. */
  costUnknown: number;
  meanLatencyMs: number;
  p95LatencyMs: number;
  tokens: TokenCounts;
  /** Minimum pass rate this target had to reach. */
  threshold: number;
  meetsThreshold: boolean;
}

/**
 * How a candidate target compares with the reference: among the cases the reference passes,
 * the share the candidate passes too; and the ratio of their total costs.
 */
export interface Verdict {
  candidate: string;
  reference: string;
  referencePassed: number;
  bothPassed: number;
  /** bothPassed / referencePassed; undefined when the reference passed nothing. */
  share?: number;
  /** candidate total cost / reference total cost; undefined when the reference cost 0 or is unknown. */
  costRatio?: number;
  text: string;
}

export interface EvalRun {
  version: 1;
  runId: string;
  suite: { file: string; description?: string };
  startedAt: string;
  durationMs: number;
  baseUrl: string;
  reference?: string;
  cases: CaseInfo[];
  targets: TargetSummary[];
  results: CellResult[];
  verdicts: Verdict[];
  /** True when every target meets its threshold and at least one case ran. */
  ok: boolean;
}
