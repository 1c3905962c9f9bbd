/**
 * Scenario files (JSON or YAML) and the report a run produces. The file format is the one from
 * issue 7, extended compatibly (scenario-level `variables`, per-environment `headers`, `extract`,
 * per-step `timeout_ms`). Reference: docs/testing.md.
 */

export type Operator =
  | 'equals'
  | 'not_equals'
  | 'contains'
  | 'not_contains'
  | 'matches'
  | 'less_than'
  | 'greater_than'
  | 'exists'
  | 'not_exists'
  | 'type_is'
  | 'length'
  | 'one_of'
  | 'json_schema';

export interface Assertion {
  /** JSON path into the step result: `status`, `headers.x`, `response.choices[0]…`, `text`, `tool_calls`, `chunks`, `ttft_ms`, `latency_ms`, `error`. */
  field: string;
  operator: Operator;
  value?: unknown;
  /** Shown instead of the generated description. */
  description?: string;
}

export interface Step {
  name: string;
  method?: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  assertions?: Assertion[];
  /** Variable name → JSON path into this step's result; available to later steps. */
  extract?: Record<string, string>;
  timeout_ms?: number;
}

export interface EnvironmentEntry {
  base_url?: string;
  /** Sent with every step in this environment (step headers win). */
  headers?: Record<string, string>;
  [variable: string]: unknown;
}

export interface Scenario {
  scenario: string;
  description?: string;
  environments?: Record<string, EnvironmentEntry>;
  /** Defaults for every environment. */
  variables?: Record<string, unknown>;
  steps: Step[];
}

export interface LoadedScenario {
  file: string;
  scenario: Scenario;
}

export interface AssertionResult {
  description: string;
  field: string;
  operator: Operator;
  passed: boolean;
  expected: unknown;
  actual: unknown;
  /** Why it failed, in words (absent on pass). */
  message?: string;
}

export type Outcome = 'passed' | 'failed' | 'skipped';

export interface StepResult {
  name: string;
  outcome: Outcome;
  latencyMs: number;
  status?: number;
  /** Transport or template error, when the step could not run to completion. */
  error?: string;
  assertions: AssertionResult[];
}

export interface EnvironmentRun {
  environment: string;
  outcome: Outcome;
  /** Why it was skipped (environment not defined in the scenario). */
  reason?: string;
  latencyMs: number;
  steps: StepResult[];
}

export interface ScenarioResult {
  scenario: string;
  file: string;
  runs: EnvironmentRun[];
}

export interface Report {
  startedAt: string;
  durationMs: number;
  environments: string[];
  scenarios: ScenarioResult[];
  totals: { runs: number; passed: number; failed: number; skipped: number; assertions: number; failedAssertions: number };
  /** True when nothing failed and at least one run happened. */
  ok: boolean;
}
