/**
 * Providers, deployments and aliases, built once from config. Resolving a client's `model`
 * (an alias or `provider/model`) to candidate deployments is a Map lookup on the hot path.
 */
import type { ModelObject } from '../api/types.js';
import type { MeridianConfig, DeploymentRef } from '../config/schema.js';
import { ConfigError, ModelNotFoundError, NoDeploymentError } from '../errors.js';
import { compileExperiment, resolveVariantDeployment, type CompiledExperiment } from '../experiments/assign.js';
import { createProviderHandle } from '../providers/registry.js';
import type { Capabilities, Deployment, DiscoveredModel, ProviderHandle } from '../providers/spec.js';

export interface ResolvedModel {
  /** What the client asked for. */
  alias: string;
  /** Strategy configured for the alias, if any. */
  strategy?: string;
  /** Candidates in alias order. */
  deployments: Deployment[];
  /** The alias's experiment, when it runs one. */
  experiment?: CompiledExperiment;
}

/** Looks up what is known about a model (context window, tools, price…) from the shipped catalog. */
export type ModelInfoLookup = (
  providerType: string,
  model: string,
) => { capabilities?: Partial<Capabilities>; price?: Deployment['price'] } | undefined;

/** Names of common embedding models; any other model needs `capabilities.embeddings: true` in config. */
const EMBEDDING_MODEL = /embed|bge-|\be5-|minilm|mxbai|gte-|nomic/i;

/** Names of common speech-to-text models; any other needs `capabilities.audio: true` (or an adapter whose models all transcribe). */
const AUDIO_MODEL = /whisper|transcribe|parakeet|canary|\bstt\b/i;

/** Direct `provider/model` names remembered (each holds a deployment for health and capability data). */
export const MAX_DIRECT_MODELS = 1000;

const DEFAULT_CAPABILITIES: Capabilities = { tools: true, vision: false, jsonSchema: true, embeddings: false };

export class Catalog {
  readonly providers = new Map<string, ProviderHandle>();
  private readonly aliases = new Map<string, ResolvedModel>();
  private readonly direct = new Map<string, ResolvedModel>();
  private readonly experiments = new Map<string, CompiledExperiment>();
  private readonly discovered = new Map<string, DiscoveredModel[]>();
  private readonly lookup: ModelInfoLookup;
  /** Capabilities written in config per deployment: they win over what an engine reports. */
  private readonly configured = new Map<Deployment, Partial<Capabilities>>();

  constructor(config: MeridianConfig, lookup: ModelInfoLookup = () => undefined) {
    this.lookup = lookup;
    for (const p of config.providers) {
      if (this.providers.has(p.id)) throw new ConfigError(`providers: the id '${p.id}' is used twice.`);
      this.providers.set(p.id, createProviderHandle(p));
    }
    for (const [alias, def] of Object.entries(config.models)) {
      const refs = Array.isArray(def) ? def : def.deployments;
      const strategy = Array.isArray(def) ? undefined : def.strategy;
      const deployments = refs.map((ref, i) => this.deploymentFor(ref, `models.${alias}[${i}]`));
      const experiment = Array.isArray(def) || !def.experiment ? undefined : this.compileExperiment(alias, def.experiment, deployments);
      this.aliases.set(alias, { alias, ...(strategy ? { strategy } : {}), deployments, ...(experiment ? { experiment } : {}) });
    }
  }

  /** The experiment of an alias (not of `provider/model` names): a Map lookup on the hot path. */
  experimentFor(model: string): CompiledExperiment | undefined {
    return this.aliases.get(model)?.experiment;
  }

  /** A configured experiment by name (for its report). */
  experiment(name: string): CompiledExperiment | undefined {
    return this.experiments.get(name);
  }

  experimentNames(): string[] {
    return [...this.experiments.keys()];
  }

  private compileExperiment(
    alias: string,
    cfg: Parameters<typeof compileExperiment>[1],
    deployments: readonly Deployment[],
  ): CompiledExperiment {
    const other = this.experiments.get(cfg.name);
    if (other)
      throw new ConfigError(
        `models.${alias}.experiment.name: '${cfg.name}' is already the experiment of '${other.alias}'; names must be unique.`,
      );
    const ids = deployments.map((d) => ({ id: d.id, providerId: d.provider.id }));
    const resolve = (ref: string, path: string): string => resolveVariantDeployment(ref, ids, alias, path);
    const compiled = compileExperiment(alias, cfg, resolve);
    this.experiments.set(cfg.name, compiled);
    return compiled;
  }

  /** Alias first, then `provider/model` for any configured provider. */
  resolve(model: string): ResolvedModel {
    const hit = this.aliases.get(model) ?? this.direct.get(model);
    if (hit) return hit;
    const slash = model.indexOf('/');
    if (slash > 0) {
      const provider = this.providers.get(model.slice(0, slash));
      if (provider) {
        const resolved: ResolvedModel = { alias: model, deployments: [this.makeDeployment(provider, model.slice(slash + 1), {})] };
        // Clients choose these names: keep the cache bounded (oldest out first) so they cannot grow memory.
        if (this.direct.size >= MAX_DIRECT_MODELS) this.direct.delete(this.direct.keys().next().value!);
        this.direct.set(model, resolved);
        return resolved;
      }
    }
    if (this.providers.size === 0) {
      throw new NoDeploymentError(
        'No provider is configured. Start a local engine (Ollama on :11434, llama-server on :8080, vLLM on :8000, LM Studio on :1234), ' +
          'set OPENAI_API_KEY / ANTHROPIC_API_KEY / GEMINI_API_KEY, or write meridian.yaml (meridian init; see docs/config.md), then restart the gateway. ' +
          'To try Meridian with no engine and no key, run `meridian serve --demo`: the built-in mock provider plays a local and a cloud model.',
        'no_provider_configured',
      );
    }
    throw new ModelNotFoundError(model, this.modelIds());
  }

  /** Records what a provider said it serves (for /v1/models and discovery). */
  setDiscovered(providerId: string, models: DiscoveredModel[]): void {
    this.discovered.set(providerId, models);
  }

  /** Aliases first, then every discovered `provider/model`. */
  modelIds(): string[] {
    const ids = [...this.aliases.keys()];
    for (const [pid, models] of this.discovered) for (const m of models) ids.push(`${pid}/${m.id}`);
    return ids;
  }

  listModels(created: number): ModelObject[] {
    const out: ModelObject[] = [...this.aliases.keys()].map((id) => ({ id, object: 'model', created, owned_by: 'meridian' }));
    for (const [pid, models] of this.discovered) {
      for (const m of models) out.push({ id: `${pid}/${m.id}`, object: 'model', created, owned_by: pid });
    }
    return out;
  }

  /** Applies what an engine reported about a model to every deployment of it (config still wins). */
  applyEngineCapabilities(providerId: string, model: string, reported: Partial<Capabilities>): void {
    for (const d of this.allDeployments()) {
      if (d.provider.id !== providerId || d.model !== model) continue;
      Object.assign(d.capabilities, stripUndefined(reported), this.configured.get(d));
    }
  }

  aliasNames(): string[] {
    return [...this.aliases.keys()];
  }

  allDeployments(): Deployment[] {
    const seen = new Map<string, Deployment>();
    for (const r of [...this.aliases.values(), ...this.direct.values()]) for (const d of r.deployments) seen.set(d.id, d);
    return [...seen.values()];
  }

  private deploymentFor(ref: DeploymentRef, path: string): Deployment {
    const provider = this.providers.get(ref.provider);
    if (!provider) {
      throw new ConfigError(
        `${path}.provider: no provider with id '${ref.provider}'. Known: ${[...this.providers.keys()].join(', ') || 'none'}.`,
      );
    }
    return this.makeDeployment(provider, ref.model, ref);
  }

  private makeDeployment(provider: ProviderHandle, model: string, ref: Partial<DeploymentRef>): Deployment {
    const known = this.lookup(provider.type, model);
    const capabilities: Capabilities = {
      ...DEFAULT_CAPABILITIES,
      embeddings: EMBEDDING_MODEL.test(model),
      audio: AUDIO_MODEL.test(model),
      ...provider.adapter.defaultCapabilities,
      ...known?.capabilities,
      ...stripUndefined(ref.capabilities ?? {}),
    };
    const price = ref.price ?? known?.price;
    const d: Deployment = {
      id: `${provider.id}/${model}`,
      provider,
      model,
      location: ref.location ?? provider.location,
      capabilities,
      ...(price ? { price } : {}),
      ...(ref.maxConcurrency ? { maxConcurrency: ref.maxConcurrency } : {}),
      ...(ref.warm ? { warm: true } : {}),
      ...(ref.weight ? { weight: ref.weight } : {}),
    };
    if (ref.capabilities) this.configured.set(d, stripUndefined(ref.capabilities));
    return d;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
