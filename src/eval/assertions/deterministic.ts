/**
 * Assertions decided from the answer alone, named as promptfoo names them
 * (https://www.promptfoo.dev/docs/configuration/expected-outputs/deterministic/), plus
 * `json-schema` and `tool-call`. Matching and schema checks reuse the scenario operators.
 */
import type { FunctionTool, ToolCall } from '../../api/types.js';
import { deepEqual, evaluate, toRegExp } from '../../scenarios/operators.js';
import { brief, failed, passed, type AssertionContext, type AssertionFn, type Check } from './context.js';

function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  // promptfoo accepts a comma-separated string for the *-any / *-all forms.
  return String(value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function containsCheck(mode: 'one' | 'any' | 'all', caseless: boolean): AssertionFn {
  return (_a, value, ctx) => {
    const fold = (s: string) => (caseless ? s.toLowerCase() : s);
    const haystack = fold(ctx.output);
    const needles = mode === 'one' ? [String(value ?? '')] : list(value);
    if (!needles.length) return failed('no value to look for');
    const found = needles.filter((n) => haystack.includes(fold(n)));
    if (mode === 'all') {
      const missing = needles.filter((n) => !found.includes(n));
      return missing.length ? failed(`missing ${missing.map((m) => brief(m, 40)).join(', ')}`) : passed(`contains all ${needles.length}`);
    }
    return found.length
      ? passed(`contains ${brief(found[0], 40)}`)
      : failed(`does not contain ${needles.map((n) => brief(n, 40)).join(' or ')}`);
  };
}

const equals: AssertionFn = (_a, value, ctx) => {
  if (value !== null && typeof value === 'object') {
    try {
      return deepEqual(JSON.parse(ctx.output), value) ? passed('equal JSON') : failed(`JSON differs from ${brief(value)}`);
    } catch {
      return failed('output is not JSON, expected an object');
    }
  }
  return ctx.output === String(value) ? passed('equal') : failed(`expected exactly ${brief(String(value))}`);
};

const startsWith: AssertionFn = (_a, value, ctx) =>
  ctx.output.startsWith(String(value)) ? passed('starts with it') : failed(`does not start with ${brief(String(value))}`);

const regex: AssertionFn = (_a, value, ctx) => {
  let re: RegExp;
  try {
    re = toRegExp(value);
  } catch (err) {
    return failed(`invalid regex: ${(err as Error).message}`);
  }
  return re.test(ctx.output) ? passed(`matches ${re}`) : failed(`does not match ${re}`);
};

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function schemaCheck(subject: unknown, schema: unknown): Check {
  const v = evaluate('json_schema', subject, schema);
  return v.passed ? passed('matches the schema') : failed(`schema: ${v.message ?? 'invalid'}`);
}

const isJson: AssertionFn = (_a, value, ctx) => {
  const parsed = parseJson(ctx.output.trim());
  if (!parsed.ok) return failed('output is not valid JSON');
  return value === undefined || value === null ? passed('valid JSON') : schemaCheck(parsed.value, value);
};

const jsonSchema: AssertionFn = (_a, value, ctx) => {
  if (!value || typeof value !== 'object') return failed('json-schema needs a schema object as value');
  const parsed = parseJson(ctx.output.trim());
  return parsed.ok ? schemaCheck(parsed.value, value) : failed('output is not valid JSON');
};

const latency: AssertionFn = (a, _value, ctx) => {
  if (a.threshold === undefined) return failed('latency needs a threshold (ms)');
  const ms = Math.round(ctx.latencyMs);
  return ms <= a.threshold ? passed(`${ms}ms ≤ ${a.threshold}ms`) : failed(`${ms}ms > ${a.threshold}ms`);
};

const cost: AssertionFn = (a, _value, ctx) => {
  if (a.threshold === undefined) return failed('cost needs a threshold (USD)');
  if (ctx.costUsd === undefined) return failed('the gateway sent no x-meridian-cost-usd header');
  return ctx.costUsd <= a.threshold ? passed(`$${ctx.costUsd} ≤ $${a.threshold}`) : failed(`$${ctx.costUsd} > $${a.threshold}`);
};

/** Why a tool call is invalid against the offered tools, or undefined when it is valid. */
export function toolCallProblem(call: ToolCall, tools: FunctionTool[]): string | undefined {
  const name = call.function.name;
  const tool = tools.find((t) => t.function.name === name);
  if (!tool) return `called '${name}', which was not offered (offered: ${tools.map((t) => t.function.name).join(', ') || 'none'})`;
  const args = parseJson(call.function.arguments || '{}');
  if (!args.ok) return `'${name}' arguments are not JSON: ${brief(call.function.arguments)}`;
  const check = schemaCheck(args.value, tool.function.parameters ?? { type: 'object' });
  return check.pass ? undefined : `'${name}' arguments: ${check.reason}`;
}

const validToolsCall: AssertionFn = (_a, _value, ctx) => {
  if (!ctx.toolCalls.length) return failed('no tool call');
  const problems = ctx.toolCalls.map((c) => toolCallProblem(c, ctx.tools)).filter((p): p is string => p !== undefined);
  return problems.length ? failed(problems.join('; ')) : passed(`${ctx.toolCalls.length} valid tool call(s)`);
};

/** `tool-call`: a call to the named tool whose arguments fit its schema (and include `arguments`, when given). */
const toolCall: AssertionFn = (_a, value, ctx) => {
  const want = typeof value === 'string' ? { name: value } : ((value ?? {}) as { name?: unknown; arguments?: unknown });
  if (typeof want.name !== 'string' || !want.name) return failed('tool-call needs a tool name (value: name, or {name, arguments})');
  const calls = ctx.toolCalls.filter((c) => c.function.name === want.name);
  if (!calls.length) {
    const made = ctx.toolCalls.map((c) => c.function.name);
    return failed(made.length ? `called ${made.join(', ')}, not '${want.name}'` : `no tool call (expected '${want.name}')`);
  }
  const reasons: string[] = [];
  for (const call of calls) {
    const problem = toolCallProblem(call, ctx.tools);
    if (problem) {
      reasons.push(problem);
      continue;
    }
    if (want.arguments && typeof want.arguments === 'object') {
      const args = JSON.parse(call.function.arguments || '{}') as Record<string, unknown>;
      const differing = Object.entries(want.arguments).filter(([k, v]) => !deepEqual(args[k], v));
      if (differing.length) {
        reasons.push(`'${want.name}' ${differing.map(([k, v]) => `${k}=${brief(args[k], 40)} (expected ${brief(v, 40)})`).join(', ')}`);
        continue;
      }
    }
    return passed(`called '${want.name}' with valid arguments`);
  }
  return failed(reasons.join('; '));
};

export const DETERMINISTIC: Record<string, AssertionFn> = {
  equals,
  contains: containsCheck('one', false),
  icontains: containsCheck('one', true),
  'contains-any': containsCheck('any', false),
  'icontains-any': containsCheck('any', true),
  'contains-all': containsCheck('all', false),
  'icontains-all': containsCheck('all', true),
  'starts-with': startsWith,
  regex,
  'is-json': isJson,
  'json-schema': jsonSchema,
  latency,
  cost,
  'is-valid-openai-tools-call': validToolsCall,
  'tool-call': toolCall,
};

export type { AssertionContext };
