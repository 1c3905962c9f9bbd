/**
 * Policy rules compiled once at start into plain predicates, so a routing decision is a few
 * comparisons per rule (see bench/router.ts). Evaluation order is config order; every effect
 * keeps the rule's name so the plan can say which rule did what.
 */
import type { Location } from '../providers/spec.js';
import type { PolicyConfig, PolicyWhen, RequirableCapability } from './config.js';
import type { RequestFacts } from './types.js';

export interface CompiledPolicy {
  name: string;
  matches(facts: RequestFacts): boolean;
  require?: { location?: Location[]; capability?: RequirableCapability[] };
  deny?: { message: string };
  prefer?: string;
}

/** What the matched rules ask for, in rule order. */
export interface PolicyOutcome {
  matched: string[];
  denied?: { rule: string; message: string };
  requires: Array<{ rule: string; location?: Location[]; capability?: RequirableCapability[] }>;
  prefers: Array<{ rule: string; prefer: string }>;
}

export function compilePolicies(rules: readonly PolicyConfig[]): CompiledPolicy[] {
  return rules.map((r) => ({
    name: r.name,
    matches: compileWhen(r.when),
    ...(r.require ? { require: r.require } : {}),
    ...(r.deny ? { deny: r.deny } : {}),
    ...(r.prefer ? { prefer: r.prefer } : {}),
  }));
}

/** Runs the rules in order; the first matching `deny` stops evaluation. */
export function evaluatePolicies(policies: readonly CompiledPolicy[], facts: RequestFacts): PolicyOutcome {
  const out: PolicyOutcome = { matched: [], requires: [], prefers: [] };
  for (const p of policies) {
    if (!p.matches(facts)) continue;
    out.matched.push(p.name);
    if (p.deny) {
      out.denied = { rule: p.name, message: p.deny.message };
      return out;
    }
    if (p.require) out.requires.push({ rule: p.name, ...p.require });
    if (p.prefer) out.prefers.push({ rule: p.name, prefer: p.prefer });
  }
  return out;
}

type Predicate = (f: RequestFacts) => boolean;

function list<T>(v: T | T[]): T[] {
  return Array.isArray(v) ? v : [v];
}

function compileWhen(when: PolicyWhen | undefined): Predicate {
  if (!when) return () => true;
  const checks: Predicate[] = [];
  const inSet = <K extends keyof RequestFacts>(key: K, v: unknown) => {
    const set = new Set(list(v as string | string[]));
    checks.push((f) => f[key] !== undefined && set.has(f[key] as string));
  };
  if (when.kind !== undefined) inSet('kind', when.kind);
  if (when.tenant !== undefined) inSet('tenant', when.tenant);
  if (when.keyId !== undefined) inSet('keyId', when.keyId);
  if (when.alias !== undefined) inSet('alias', when.alias);
  if (when.guardAction !== undefined) inSet('guardAction', when.guardAction);
  if (when.dataPolicy !== undefined) inSet('dataPolicy', when.dataPolicy);
  if (when.collection !== undefined) inSet('collection', when.collection);
  if (when.responseFormat !== undefined) inSet('responseFormat', when.responseFormat);
  if (when.hasTools !== undefined) {
    const v = when.hasTools;
    checks.push((f) => f.hasTools === v);
  }
  if (when.hasImages !== undefined) {
    const v = when.hasImages;
    checks.push((f) => f.hasImages === v);
  }
  if (when.stream !== undefined) {
    const v = when.stream;
    checks.push((f) => f.stream === v);
  }
  if (when.tags !== undefined) {
    const spec = Array.isArray(when.tags) ? { any: when.tags } : when.tags;
    const any = spec.any?.map((t) => t.toLowerCase());
    const all = spec.all?.map((t) => t.toLowerCase());
    checks.push((f) => {
      const have = new Set(f.tags.map((t) => t.toLowerCase()));
      if (any && !any.some((t) => have.has(t))) return false;
      if (all && !all.every((t) => have.has(t))) return false;
      return true;
    });
  }
  if (when.pii !== undefined) {
    const pii = when.pii;
    if (pii === true) checks.push((f) => Object.values(f.pii).some((n) => n > 0));
    else if (pii === false) checks.push((f) => !Object.values(f.pii).some((n) => n > 0));
    else checks.push((f) => pii.some((t) => (f.pii[t] ?? 0) > 0));
  }
  if (when.estimatedPromptTokens !== undefined) {
    const { gt, gte, lt, lte } = when.estimatedPromptTokens;
    checks.push((f) => {
      const n = f.estimatedPromptTokens;
      return (
        (gt === undefined || n > gt) && (gte === undefined || n >= gte) && (lt === undefined || n < lt) && (lte === undefined || n <= lte)
      );
    });
  }
  return (f) => {
    for (const c of checks) if (!c(f)) return false;
    return true;
  };
}
