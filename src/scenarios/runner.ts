/**
 * Runs scenarios: each scenario once per chosen environment, steps in order, variables flowing
 * from the environment entry, `--var` and earlier steps' `extract`. Library code: returns a
 * Report and never exits; the CLI decides the exit code.
 */
import { getPath } from './json-path.js';
import { loadScenarios } from './load.js';
import { evaluate } from './operators.js';
import { runHttpStep, type StepContext } from './http-step.js';
import { interpolate } from './template.js';
import type { AssertionResult, EnvironmentRun, LoadedScenario, Report, Scenario, ScenarioResult, Step, StepResult } from './types.js';

export interface RunOptions {
  /** Environment names, or undefined / ['all'] for every environment each scenario defines. */
  environments?: string[];
  /** `--var k=v` values; they override environment entries. */
  vars?: Record<string, string>;
  /** Process environment for `{{env.NAME}}` (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Per-step timeout when the step sets none (ms). */
  timeoutMs?: number;
}

/** Name used for a scenario without an `environments` section. */
export const DEFAULT_ENVIRONMENT = 'default';

export async function runScenarios(files: string[], opts: RunOptions = {}): Promise<Report> {
  return runLoadedScenarios(loadScenarios(files), opts);
}

export async function runLoadedScenarios(loaded: LoadedScenario[], opts: RunOptions = {}): Promise<Report> {
  const started = Date.now();
  const all = !opts.environments?.length || opts.environments.includes('all');
  const envNames = new Set<string>();
  const scenarios: ScenarioResult[] = [];
  for (const { file, scenario } of loaded) {
    const defined = Object.keys(scenario.environments ?? {});
    const chosen = all ? (defined.length ? defined : [DEFAULT_ENVIRONMENT]) : opts.environments!;
    const runs: EnvironmentRun[] = [];
    for (const env of chosen) {
      envNames.add(env);
      runs.push(await runInEnvironment(scenario, env, opts));
    }
    scenarios.push({ scenario: scenario.scenario, file, runs });
  }
  const runs = scenarios.flatMap((s) => s.runs);
  const assertions = runs.flatMap((r) => r.steps.flatMap((s) => s.assertions));
  const totals = {
    runs: runs.length,
    passed: runs.filter((r) => r.outcome === 'passed').length,
    failed: runs.filter((r) => r.outcome === 'failed').length,
    skipped: runs.filter((r) => r.outcome === 'skipped').length,
    assertions: assertions.length,
    failedAssertions: assertions.filter((a) => !a.passed).length,
  };
  return {
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    environments: [...envNames],
    scenarios,
    totals,
    ok: totals.failed === 0 && totals.passed > 0,
  };
}

async function runInEnvironment(scenario: Scenario, envName: string, opts: RunOptions): Promise<EnvironmentRun> {
  const entry = scenario.environments?.[envName];
  if (scenario.environments && !entry) {
    return { environment: envName, outcome: 'skipped', reason: `scenario defines no '${envName}' environment`, latencyMs: 0, steps: [] };
  }
  const { headers: envHeaders, ...envVars } = entry ?? {};
  const vars: Record<string, unknown> = { ...scenario.variables, ...envVars, ...opts.vars, environment: envName };
  const steps: StepResult[] = [];
  for (const step of scenario.steps) {
    steps.push(await runStep(step, vars, (envHeaders ?? {}) as Record<string, string>, opts));
  }
  return {
    environment: envName,
    outcome: steps.some((s) => s.outcome === 'failed') ? 'failed' : 'passed',
    latencyMs: Math.round(steps.reduce((n, s) => n + s.latencyMs, 0)),
    steps,
  };
}

/** Interpolates repeatedly, so variables whose values are templates (`{{env.X}}`) resolve too. */
function resolve(value: unknown, vars: Record<string, unknown>, env: NodeJS.ProcessEnv): unknown {
  let current = value;
  for (let pass = 0; pass < 5; pass++) {
    const next = interpolate(current, vars, env);
    if (JSON.stringify(next) === JSON.stringify(current)) return next;
    current = next;
  }
  return current;
}

async function runStep(
  step: Step,
  vars: Record<string, unknown>,
  envHeaders: Record<string, string>,
  opts: RunOptions,
): Promise<StepResult> {
  const env = opts.env ?? process.env;
  let request;
  try {
    request = {
      method: String(resolve(step.method ?? (step.body === undefined ? 'GET' : 'POST'), vars, env)).toUpperCase(),
      url: String(resolve(step.url, vars, env)),
      headers: resolve({ ...envHeaders, ...step.headers }, vars, env) as Record<string, string>,
      body: step.body === undefined ? undefined : resolve(step.body, vars, env),
      timeoutMs: step.timeout_ms ?? opts.timeoutMs ?? 60_000,
    };
  } catch (err) {
    return { name: step.name, outcome: 'failed', latencyMs: 0, error: (err as Error).message, assertions: [] };
  }
  const ctx = await runHttpStep(request);
  const assertions = (step.assertions ?? []).map((a): AssertionResult => {
    const description = a.description ?? `${a.field} ${a.operator}${a.value === undefined ? '' : ` ${JSON.stringify(a.value)}`}`;
    let expected: unknown;
    try {
      expected = resolve(a.value, vars, env);
    } catch (err) {
      return {
        description,
        field: a.field,
        operator: a.operator,
        passed: false,
        expected: a.value,
        actual: undefined,
        message: (err as Error).message,
      };
    }
    let actual: unknown;
    try {
      actual = getPath(ctx, a.field);
    } catch (err) {
      return {
        description,
        field: a.field,
        operator: a.operator,
        passed: false,
        expected,
        actual: undefined,
        message: (err as Error).message,
      };
    }
    const verdict = evaluate(a.operator, actual, expected);
    return {
      description,
      field: a.field,
      operator: a.operator,
      passed: verdict.passed,
      expected,
      actual,
      ...(verdict.message ? { message: verdict.message } : {}),
    };
  });
  const problems: string[] = [];
  for (const [name, path] of Object.entries(step.extract ?? {})) {
    const value = safeGet(ctx, path);
    if (value === undefined) problems.push(`extract '${name}': nothing at '${path}'`);
    else vars[name] = value;
  }
  // A transport error fails the step unless the scenario asserts on it (fault-injection tests do).
  const expectsError = (step.assertions ?? []).some((a) => a.field === 'error' || a.field.startsWith('error.'));
  if (ctx.error && !expectsError) problems.unshift(ctx.error);
  const failed = problems.length > 0 || assertions.some((a) => !a.passed);
  return {
    name: step.name,
    outcome: failed ? 'failed' : 'passed',
    latencyMs: ctx.latency_ms,
    ...(ctx.status !== undefined ? { status: ctx.status } : {}),
    ...(problems.length ? { error: problems.join('; ') } : {}),
    assertions,
  };
}

function safeGet(ctx: StepContext, path: string): unknown {
  try {
    return getPath(ctx, path);
  } catch {
    return undefined;
  }
}
