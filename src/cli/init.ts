/**
 * `meridian init`: finds the engines and keys that are there, asks what to use (or takes flags),
 * and writes a commented meridian.yaml: one alias per detected model, `chat-default` (local
 * first, cloud after), an embeddings alias when an embedding model exists, and a starter privacy
 * policy. The file is validated by the same parser `serve` uses before it is written.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { discoverProviders, LOCAL_ENGINES, type DiscoveryCandidate } from '../config/discover.js';
import { parseConfig } from '../config/load.js';
import type { ProviderEntry } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { createProviderHandle } from '../providers/registry.js';

export type PrivacyChoice = 'pseudonymize' | 'local-only' | 'off';
const PRIVACY: readonly PrivacyChoice[] = ['pseudonymize', 'local-only', 'off'];

/** A provider init found, with the models it lists (empty when it lists none). */
export interface FoundProvider {
  provider: ProviderEntry;
  /** The environment variable holding its key (cloud); the file refers to it, never to the key. */
  keyEnv?: string;
  models: string[];
}

export interface InitAnswers {
  providers: FoundProvider[];
  privacy: PrivacyChoice;
  port: number;
}

const EMBEDDING = /embed|bge-|minilm|nomic|e5-/i;
const KEY_ENVS: Record<string, string> = { openai: 'OPENAI_API_KEY', anthropic: 'ANTHROPIC_API_KEY', gemini: 'GEMINI_API_KEY' };
const ID = /^[A-Za-z0-9._-]+$/;

/** The alias a model gets: its name where that is a valid alias, otherwise a cleaned one. */
function aliasFor(model: string): string {
  return model.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'model';
}

const q = (s: string): string => JSON.stringify(s);

/** The commented YAML for these answers. */
export function renderInitConfig(a: InitAnswers): string {
  const lines: string[] = [
    '# meridian.yaml, written by `meridian init`. Reference: docs/config.md',
    `server: { port: ${a.port}, host: 127.0.0.1 }`,
    '',
    '# Where models run. `location` is what policies restrict by: local | private | cloud.',
    'providers:',
  ];
  if (a.providers.length === 0) {
    lines.push(
      '  # Nothing was found. Start an engine or set a key, then run `meridian init --force` again, or',
      '  # uncomment one of these. (`meridian serve --demo` answers without any of them.)',
      '  # - { id: ollama, type: ollama, baseUrl: "http://127.0.0.1:11434", location: local }',
      '  # - { id: openai, type: openai, apiKey: "${OPENAI_API_KEY}", location: cloud }',
      '  []',
    );
  }
  for (const f of a.providers) {
    const p = f.provider;
    const parts = [`id: ${p.id}`, `type: ${p.type}`];
    if (p.baseUrl) parts.push(`baseUrl: ${q(p.baseUrl)}`);
    if (f.keyEnv) parts.push(`apiKey: ${q(`\${${f.keyEnv}}`)}`);
    parts.push(`location: ${p.location ?? 'cloud'}`);
    if (p.options && Object.keys(p.options).length > 0) parts.push(`options: ${JSON.stringify(p.options)}`);
    lines.push(`  - { ${parts.join(', ')} }`);
  }

  const local = a.providers.filter((f) => f.provider.location !== 'cloud');
  const cloud = a.providers.filter((f) => f.provider.location === 'cloud');
  const chat = (f: FoundProvider) => f.models.filter((m) => !EMBEDDING.test(m));
  const aliases = new Map<string, string[]>();
  const used = new Set<string>(['chat-default', 'embed-default']);
  for (const f of a.providers) {
    for (const m of f.models) {
      let alias = aliasFor(m);
      if (used.has(alias)) alias = `${f.provider.id}-${alias}`;
      used.add(alias);
      aliases.set(alias, [
        `    - { provider: ${f.provider.id}, model: ${q(m)}${EMBEDDING.test(m) ? ', capabilities: { embeddings: true }' : ''} }`,
      ]);
    }
  }
  lines.push('', '# Aliases clients name as `model`. Each lists deployments in order of preference.', 'models:');
  const chain = [...local, ...cloud].flatMap((f) => (chat(f)[0] ? [`    - { provider: ${f.provider.id}, model: ${q(chat(f)[0]!)} }`] : []));
  if (chain.length > 0)
    lines.push('  # Local first; cloud when local is busy, down, or cannot do what the request needs.', '  chat-default:', ...chain);
  const embed = a.providers.flatMap((f) => f.models.filter((m) => EMBEDDING.test(m)).map((m) => ({ f, m })))[0];
  if (embed) {
    lines.push('  embed-default:', `    - { provider: ${embed.f.provider.id}, model: ${q(embed.m)}, capabilities: { embeddings: true } }`);
  }
  for (const [alias, deployments] of aliases) lines.push(`  ${q(alias)}:`, ...deployments);
  if (aliases.size === 0) lines.push('  {}');

  lines.push('', '# Privacy guard: what happens to personal data (e-mails, names, cards, keys…) in a request.');
  if (a.privacy === 'off') lines.push('guard: { enabled: false }');
  else if (a.privacy === 'local-only') {
    lines.push(
      '# local-only: a request with personal data runs only on local/private deployments; secrets are refused.',
      'guard:',
      '  defaultAction: local-only',
      '  actions: { secret: block }',
    );
  } else {
    lines.push(
      '# pseudonymize: values are replaced by placeholders before a cloud model sees them and restored in',
      '# the answer; local deployments see the text as written; secrets are refused.',
      'guard:',
      '  defaultAction: pseudonymize',
      '  actions: { secret: block }',
    );
  }
  lines.push(
    '',
    '# Rules every request passes, in order (docs/routing.md).',
    'policies:',
    '  # Requests tagged `confidential` (header x-meridian-tags) never leave the building.',
    '  - name: confidential-stays-inside',
    '    when: { tags: [confidential] }',
    '    require: { location: [local, private] }',
    '',
  );
  return lines.join('\n');
}

/** Local engines that answer at the URLs given (and on their default ports), and cloud keys in the environment, with their models. */
export async function findProviders(
  env: NodeJS.ProcessEnv,
  extra: DiscoveryCandidate[] = [],
  probeDefaults = true,
): Promise<FoundProvider[]> {
  const defaults = probeDefaults ? LOCAL_ENGINES.filter((e) => !extra.some((x) => x.provider.id === e.provider.id)) : [];
  const found = await discoverProviders(env, { engines: [...extra, ...defaults] });
  return Promise.all(
    found.map(async (d): Promise<FoundProvider> => {
      const keyEnv = KEY_ENVS[d.provider.type];
      const provider: ProviderEntry = { ...d.provider };
      delete provider.apiKey;
      let models: string[] = [];
      if (d.provider.location !== 'cloud') {
        try {
          const handle = createProviderHandle({ ...d.provider, location: d.provider.location ?? 'local' });
          models = ((await handle.adapter.listModels?.(handle, AbortSignal.timeout(2000))) ?? []).map((m) => m.id).slice(0, 50);
          await handle.http.close();
        } catch {
          models = [];
        }
      }
      if (models.length === 0 && d.defaultModel) models = [d.defaultModel];
      return {
        provider,
        ...(keyEnv && d.provider.location === 'cloud' ? { keyEnv } : {}),
        models: models.filter((m) => ID.test(m) || m.length > 0),
      };
    }),
  );
}

export interface InitOptions {
  output: string;
  force?: boolean;
  yes?: boolean;
  privacy?: string;
  port?: string;
  ollama?: string;
  openaiCompatible?: string;
  detect?: boolean;
}

/** Extra engines named on the command line (another host, another port). */
function explicitEngines(o: InitOptions): DiscoveryCandidate[] {
  const out: DiscoveryCandidate[] = [];
  const url = (v: string, flag: string) => {
    try {
      return new URL(v).href.replace(/\/+$/, '');
    } catch {
      throw new ConfigError(`${flag} must be a URL like http://127.0.0.1:11434, got '${v}'.`);
    }
  };
  if (o.ollama)
    out.push({ provider: { id: 'ollama', type: 'ollama', baseUrl: url(o.ollama, '--ollama'), location: 'local' }, probePath: '/api/tags' });
  if (o.openaiCompatible) {
    out.push({
      provider: {
        id: 'local-openai',
        type: 'openai-compatible',
        baseUrl: url(o.openaiCompatible, '--openai-compatible'),
        location: 'local',
      },
      probePath: '/models',
    });
  }
  return out;
}

export async function runInit(
  o: InitOptions,
  env: NodeJS.ProcessEnv = process.env,
  out: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  if (existsSync(o.output) && !o.force) throw new ConfigError(`${o.output} exists; pass --force to overwrite it.`);
  if (o.privacy !== undefined && !(PRIVACY as readonly string[]).includes(o.privacy)) {
    throw new ConfigError(`--privacy must be one of ${PRIVACY.join(', ')}, got '${o.privacy}'.`);
  }
  const port = Number(o.port ?? 4000);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigError(`--port must be a port number, got '${o.port}'.`);
  const engines = explicitEngines(o);
  let providers = await findProviders(env, engines, o.detect !== false);
  let privacy = (o.privacy as PrivacyChoice | undefined) ?? 'pseudonymize';
  let chosenPort = port;

  const interactive = !o.yes && process.stdin.isTTY === true && process.stdout.isTTY === true;
  if (interactive) {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      const kept: FoundProvider[] = [];
      for (const f of providers) {
        const where = f.provider.baseUrl ?? f.keyEnv ?? '';
        const a = (
          await rl.question(`Use ${f.provider.id} (${f.provider.location}, ${where}; ${f.models.length} model(s))? [Y/n] `)
        ).trim();
        if (!/^n/i.test(a)) kept.push(f);
      }
      providers = kept;
      if (o.privacy === undefined) {
        const a = (await rl.question('Personal data in prompts: 1) pseudonymize before cloud  2) keep it local  3) off  [1] ')).trim();
        privacy = a === '2' ? 'local-only' : a === '3' ? 'off' : 'pseudonymize';
      }
      if (o.port === undefined) {
        const a = (await rl.question(`Port [${port}] `)).trim();
        if (a) chosenPort = Number(a);
        if (!Number.isInteger(chosenPort) || chosenPort < 1 || chosenPort > 65535) throw new ConfigError(`not a port number: '${a}'.`);
      }
    } finally {
      rl.close();
    }
  }

  const yaml = renderInitConfig({ providers, privacy, port: chosenPort });
  // What serve would load: a file init wrote must start (keys are ${ENV} references, checked at serve).
  const { parse } = await import('yaml');
  parseConfig(parse(yaml) as Record<string, unknown>, {
    ...env,
    ...Object.fromEntries(providers.filter((p) => p.keyEnv).map((p) => [p.keyEnv!, 'x'])),
  });
  writeFileSync(o.output, yaml, { mode: 0o600 });
  const summary = providers.length
    ? providers
        .map((f) => `  ${f.provider.id} (${f.provider.type}, ${f.provider.location}): ${f.models.join(', ') || 'no models listed'}`)
        .join('\n')
    : '  nothing found (the file has commented examples; `meridian serve --demo` works without any)';
  out.write(
    `Wrote ${o.output} (privacy: ${privacy}, port ${chosenPort}).\nProviders:\n${summary}\nNext: meridian doctor, then meridian serve\n`,
  );
}

export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description('detect local engines and cloud keys and write a commented meridian.yaml')
    .option('-o, --output <file>', 'file to write', 'meridian.yaml')
    .option('-f, --force', 'overwrite an existing file')
    .option('-y, --yes', 'ask nothing: use what was found and the defaults')
    .option('--privacy <mode>', `personal data in prompts: ${PRIVACY.join(' | ')} (default pseudonymize)`)
    .option('-p, --port <port>', 'port the gateway listens on', undefined)
    .option('--ollama <url>', 'an Ollama server to use (besides the default port)')
    .option('--openai-compatible <url>', 'an OpenAI-compatible server to use (its /v1 URL)')
    .option('--no-detect', "do not probe local engines' default ports (--ollama/--openai-compatible and cloud keys still count)")
    .action((o: InitOptions) => runInit(o));
}
