/**
 * Per-provider Bedrock settings from `providers[].options`, checked once at start:
 *
 * ```yaml
 * providers:
 *   - id: bedrock
 *     type: bedrock
 *     options:
 *       region: eu-central-1     # else AWS_REGION / AWS_DEFAULT_REGION / the profile's region
 *       profile: prod            # a profile of ~/.aws/credentials and ~/.aws/config (else env keys, then AWS_PROFILE / default)
 *       endpoint: https://vpce-…  # runtime endpoint override (VPC endpoint, tests); else https://bedrock-runtime.{region}.amazonaws.com
 *       controlEndpoint: https://… # control-plane override for model listing; else https://bedrock.{region}.amazonaws.com
 *       defaultMaxTokens: 4096   # inferenceConfig.maxTokens when the client sends no limit
 *       embeddingFormat: cohere  # for custom/provisioned embedding model ARNs (ids name their format themselves)
 *       cohereInputType: search_query  # Cohere's input_type (default search_document)
 *       listModels: false        # never call the control plane (health checks and /v1/models then skip it)
 * ```
 */

export interface BedrockSettings {
  region?: string;
  profile?: string;
  endpoint?: string;
  controlEndpoint?: string;
  defaultMaxTokens?: number;
  embeddingFormat?: 'titan' | 'cohere';
  cohereInputType: string;
  listModels: boolean;
}

const KNOWN = ['region', 'profile', 'endpoint', 'controlEndpoint', 'defaultMaxTokens', 'embeddingFormat', 'cohereInputType', 'listModels'];
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const COHERE_INPUT_TYPES = ['search_document', 'search_query', 'classification', 'clustering'];

/** Throws an Error naming the bad option; the registry prefixes `providers[id].` and makes it a ConfigError. */
export function checkBedrockOptions(options: Record<string, unknown> | undefined): void {
  const o = options ?? {};
  for (const key of Object.keys(o)) {
    if (!KNOWN.includes(key)) throw new Error(`options.${key} is not a bedrock option (known: ${KNOWN.join(', ')}).`);
  }
  if (o.region !== undefined && (typeof o.region !== 'string' || !REGION.test(o.region))) {
    throw new Error('options.region must be an AWS region name such as "us-east-1".');
  }
  if (o.profile !== undefined && (typeof o.profile !== 'string' || !/^[A-Za-z0-9_.+=,@-]+$/.test(o.profile))) {
    throw new Error('options.profile must be a profile name from ~/.aws/credentials or ~/.aws/config.');
  }
  for (const key of ['endpoint', 'controlEndpoint'] as const) {
    const v = o[key];
    if (v === undefined) continue;
    let ok = false;
    try {
      const u = new URL(String(v));
      ok = typeof v === 'string' && (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password && !u.search;
    } catch {
      ok = false;
    }
    if (!ok)
      throw new Error(
        `options.${key} must be an http(s) URL without credentials or query, e.g. "https://bedrock-runtime.us-east-1.amazonaws.com".`,
      );
  }
  const max = o.defaultMaxTokens;
  if (max !== undefined && (typeof max !== 'number' || !Number.isInteger(max) || max <= 0)) {
    throw new Error('options.defaultMaxTokens must be a positive integer.');
  }
  if (o.embeddingFormat !== undefined && o.embeddingFormat !== 'titan' && o.embeddingFormat !== 'cohere') {
    throw new Error('options.embeddingFormat must be "titan" or "cohere".');
  }
  if (o.listModels !== undefined && typeof o.listModels !== 'boolean') throw new Error('options.listModels must be true or false.');
  if (o.cohereInputType !== undefined && !COHERE_INPUT_TYPES.includes(o.cohereInputType as string)) {
    throw new Error(`options.cohereInputType must be one of ${COHERE_INPUT_TYPES.join(', ')}.`);
  }
}

/** Options already passed checkBedrockOptions at start; this only picks them out with their types. */
export function readBedrockSettings(options: Record<string, unknown> | undefined): BedrockSettings {
  const o = options ?? {};
  const s: BedrockSettings = {
    cohereInputType: typeof o.cohereInputType === 'string' ? o.cohereInputType : 'search_document',
    listModels: o.listModels !== false,
  };
  if (typeof o.region === 'string') s.region = o.region;
  if (typeof o.profile === 'string') s.profile = o.profile;
  if (typeof o.endpoint === 'string') s.endpoint = o.endpoint.replace(/\/+$/, '');
  if (typeof o.controlEndpoint === 'string') s.controlEndpoint = o.controlEndpoint.replace(/\/+$/, '');
  if (typeof o.defaultMaxTokens === 'number') s.defaultMaxTokens = o.defaultMaxTokens;
  if (o.embeddingFormat === 'titan' || o.embeddingFormat === 'cohere') s.embeddingFormat = o.embeddingFormat;
  return s;
}
