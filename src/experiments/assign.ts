/**
 * Assigning a request to a variant: a pure function of the experiment and a key, so a sticky key
 * (a user, an episode) always lands on the same variant, on every replica and after a restart,
 * without storing assignments. The key is hashed with the experiment's name so that two
 * experiments split the same users independently.
 */
import { createHash } from 'node:crypto';
import { ConfigError } from '../errors.js';
import type { ExperimentConfig } from './config.js';

export interface CompiledVariant {
  name: string;
  weight: number;
  /** `experiment/variant`: the request log's `variant`, the `x-meridian-variant` header. */
  label: string;
  /** Prompt to apply, parsed from `name@7` / `name@label`. */
  prompt?: { name: string; version: number } | { name: string; label: string };
  /** Deployment id (`provider/model`) the variant prefers, resolved against the alias. */
  deployment?: string;
}

export interface CompiledExperiment {
  name: string;
  alias: string;
  sticky: ExperimentConfig['sticky'];
  /** The alias's other deployments stay in the plan after the variant's. */
  fallback: boolean;
  passLabels?: readonly string[];
  variants: readonly CompiledVariant[];
  /** Running sums of the weights, for the draw. */
  cumulative: readonly number[];
  total: number;
}

/** Parses `name@7` (a version) or `name@label` (the config schema has checked the form). */
export function parsePromptSelector(s: string): NonNullable<CompiledVariant['prompt']> {
  const at = s.indexOf('@');
  const name = s.slice(0, at);
  const sel = s.slice(at + 1);
  return /^\d{1,9}$/.test(sel) ? { name, version: Number(sel) } : { name, label: sel };
}

/**
 * Builds the draw table. `resolveDeployment` maps the config's `deployment` to a deployment id of
 * the alias (and throws a ConfigError naming the alternatives when there is none).
 */
export function compileExperiment(
  alias: string,
  cfg: ExperimentConfig,
  resolveDeployment: (ref: string, path: string) => string,
): CompiledExperiment {
  let total = 0;
  const cumulative: number[] = [];
  const variants = cfg.variants.map((v, i): CompiledVariant => {
    total += v.weight;
    cumulative.push(total);
    return {
      name: v.name,
      weight: v.weight,
      label: `${cfg.name}/${v.name}`,
      ...(v.prompt ? { prompt: parsePromptSelector(v.prompt) } : {}),
      ...(v.deployment ? { deployment: resolveDeployment(v.deployment, `models.${alias}.experiment.variants[${i}].deployment`) } : {}),
    };
  });
  return {
    name: cfg.name,
    alias,
    sticky: cfg.sticky,
    fallback: cfg.fallback,
    ...(cfg.passLabels ? { passLabels: cfg.passLabels } : {}),
    variants,
    cumulative,
    total,
  };
}

/**
 * A variant's `deployment` as one of the alias's deployment ids: `provider/model`, or a provider id
 * that has exactly one deployment in the alias. Throws a ConfigError listing the choices.
 */
export function resolveVariantDeployment(
  ref: string,
  deployments: ReadonlyArray<{ id: string; providerId: string }>,
  alias: string,
  path: string,
): string {
  const exact = deployments.find((d) => d.id === ref);
  if (exact) return exact.id;
  const byProvider = deployments.filter((d) => d.providerId === ref);
  if (byProvider.length === 1) return byProvider[0]!.id;
  throw new ConfigError(
    `${path}: '${ref}' is not ${byProvider.length > 1 ? 'one deployment' : 'a deployment'} of '${alias}'; ` +
      `write one of: ${deployments.map((d) => d.id).join(', ')}.`,
  );
}

/** A number in [0, 1) from sha256(experiment NUL key): uniform, stable, independent across experiments. */
export function unitHash(experiment: string, key: string): number {
  const digest = createHash('sha256').update(experiment).update('\u0000').update(key).digest();
  // 48 bits: exact in a double, and far finer than any weight.
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/** The variant `key` is assigned to. */
export function assignVariant(exp: CompiledExperiment, key: string): CompiledVariant {
  const target = unitHash(exp.name, key) * exp.total;
  for (let i = 0; i < exp.cumulative.length; i++) if (target < exp.cumulative[i]!) return exp.variants[i]!;
  return exp.variants[exp.variants.length - 1]!;
}

/** What a request offers as sticky keys. */
export interface StickySource {
  requestId: string;
  /** The body's `user` (OpenAI) or `metadata.user_id` (Anthropic). */
  user?: string | undefined;
  keyId?: string | undefined;
  episode?: string | undefined;
}

/** The key the draw uses, and what it was (`user`, `key`, `episode`, `request`), for the log. */
export function stickyKey(exp: CompiledExperiment, src: StickySource): { key: string; by: 'user' | 'key' | 'episode' | 'request' } {
  if (exp.sticky === 'user') {
    if (src.user) return { key: `user:${src.user}`, by: 'user' };
    if (src.keyId) return { key: `key:${src.keyId}`, by: 'key' };
  } else if (exp.sticky === 'episode' && src.episode) return { key: `episode:${src.episode}`, by: 'episode' };
  return { key: `request:${src.requestId}`, by: 'request' };
}
