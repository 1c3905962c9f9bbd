/**
 * CLI verbs over the store: `meridian keys create|list|revoke|rotate` and `meridian logs`.
 * The commands open the store through `openStore`, which the CLI entry point provides (default:
 * load the config file and call createStore), and always close it, so buffered writes land.
 */
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { parseBudgetMode, parseBudgetUsd, parseDataPolicy, parseList, parsePositiveInt, parseStatus, parseTimeArg } from './cli-parse.js';
import { createStore } from './index.js';
import { createApiKey, revokeApiKey, rotateApiKey, type NewKeySettings } from './keys.js';
import type { ApiKeyRecord, RequestLogEntry, RequestLogFilter, Store } from './types.js';

/** Opens the store named by the config file (`--config`, else the default file in the working directory). */
export type OpenStore = (opts: { config?: string }) => Promise<Store>;

export interface CliIo {
  out: (text: string) => void;
}

const defaultIo: CliIo = { out: (text) => process.stdout.write(`${text}\n`) };

// Only the `store` section: these verbs must work without the providers' API keys in the environment.
export const openStoreFromConfig: OpenStore = async ({ config }) =>
  createStore(loadConfig(config, process.env, { only: ['store'] }).config.store);

/** The audit actor for CLI actions: who ran it, as far as the OS says. */
function cliActor(): string {
  return `cli:${process.env.USER ?? process.env.USERNAME ?? 'unknown'}`;
}

async function withStore<T>(openStore: OpenStore, cmd: Command, fn: (store: Store) => Promise<T>): Promise<T> {
  const { config } = cmd.optsWithGlobals<{ config?: string }>();
  const store = await openStore(config === undefined ? {} : { config });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export function registerKeyCommands(program: Command, openStore: OpenStore = openStoreFromConfig, io: CliIo = defaultIo): void {
  const keys = program.command('keys').description('create, list, revoke and rotate virtual API keys (mk-…)');

  keys
    .command('create')
    .description('create a key; it is printed once and only its hash is stored')
    .requiredOption('--tenant <tenant>', 'tenant the key belongs to')
    .option('--name <name>', 'a label for people')
    .option('--models <aliases>', 'comma-separated aliases the key may use (default: all)', parseList)
    .option('--rpm <n>', 'requests per minute', parsePositiveInt)
    .option('--tpm <n>', 'tokens per minute', parsePositiveInt)
    .option('--budget-usd <amount/period>', "spend limit, e.g. '5/day' or '100/month'", parseBudgetUsd)
    .option('--budget-mode <mode>', 'when the budget is spent: hard (429), soft (log only) or downgrade', parseBudgetMode, 'hard' as const)
    .option('--data-policy <policy>', "'local-only' keeps this key's requests off cloud deployments", parseDataPolicy)
    .option('--json', 'print the key and its record as JSON')
    .option('--config <file>', 'config file (default: meridian.yaml in the working directory)')
    .action(async (opts: CreateOptions, cmd: Command) => {
      const settings = toSettings(opts);
      const { key, record } = await withStore(openStore, cmd, (store) => createApiKey(store, settings, cliActor()));
      if (opts.json) return io.out(JSON.stringify({ key, ...publicRecord(record) }, null, 2));
      io.out(`Created key ${record.id} for tenant '${record.tenant}'.`);
      io.out(`\n  ${key}\n`);
      io.out('Store it now: it is shown only this once. Clients send it as "Authorization: Bearer <key>".');
    });

  keys
    .command('list')
    .description('list keys (never the keys themselves)')
    .option('--json', 'print JSON')
    .option('--active', 'hide revoked keys')
    .option('--config <file>', 'config file')
    .action(async (opts: { json?: boolean; active?: boolean }, cmd: Command) => {
      let list = await withStore(openStore, cmd, (store) => store.keys.list());
      if (opts.active) list = list.filter((k) => !k.revokedAt);
      if (opts.json) return io.out(JSON.stringify(list.map(publicRecord), null, 2));
      if (list.length === 0) return io.out('No keys. Create one with: meridian keys create --tenant <name>');
      io.out(
        table(
          ['ID', 'PREFIX', 'TENANT', 'MODELS', 'RPM', 'TPM', 'BUDGET', 'POLICY', 'CREATED', 'STATUS'],
          list.map((k) => [
            k.id,
            `${k.prefix}…`,
            k.tenant,
            k.models.length ? k.models.join(',') : '*',
            k.rpm?.toString() ?? '-',
            k.tpm?.toString() ?? '-',
            k.budget?.usd !== undefined ? `$${k.budget.usd}/${k.budget.period}` : '-',
            k.dataPolicy ?? 'any',
            k.createdAt.slice(0, 19).replace('T', ' '),
            k.revokedAt ? 'revoked' : 'active',
          ]),
        ),
      );
    });

  keys
    .command('revoke <id>')
    .description('revoke a key; requests with it are refused from now on')
    .option('--config <file>', 'config file')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const changed = await withStore(openStore, cmd, (store) => revokeApiKey(store, id, cliActor()));
      io.out(changed ? `Revoked ${id}.` : `${id} was already revoked.`);
    });

  keys
    .command('rotate <id>')
    .description('create a new key with the same settings and revoke the old one')
    .option('--json', 'print the new key and its record as JSON')
    .option('--config <file>', 'config file')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      const { key, record } = await withStore(openStore, cmd, (store) => rotateApiKey(store, id, cliActor()));
      if (opts.json) return io.out(JSON.stringify({ key, replaces: id, ...publicRecord(record) }, null, 2));
      io.out(`Revoked ${id}; its replacement is ${record.id}.`);
      io.out(`\n  ${key}\n`);
      io.out('Store it now: it is shown only this once.');
    });
}

export function registerLogCommands(program: Command, openStore: OpenStore = openStoreFromConfig, io: CliIo = defaultIo): void {
  program
    .command('logs')
    .description('show the request log, newest first')
    .option('--since <when>', "from this long ago ('15m', '1h', '7d') or an ISO time", (v) => parseTimeArg(v))
    .option('--until <when>', 'up to this time (same forms as --since)', (v) => parseTimeArg(v))
    .option('--tenant <tenant>', 'only this tenant')
    .option('--alias <alias>', 'only this model alias')
    .option('--location <location>', 'only local, private or cloud')
    .option('--status <code>', 'only this HTTP status', parseStatus)
    .option('--limit <n>', 'at most this many entries', parsePositiveInt, 50)
    .option('--json', 'print JSON (one array)')
    .option('--config <file>', 'config file')
    .action(async (opts: LogsOptions, cmd: Command) => {
      const filter: RequestLogFilter = { limit: opts.limit };
      for (const k of ['since', 'until', 'tenant', 'alias', 'location', 'status'] as const) {
        if (opts[k] !== undefined) (filter as Record<string, unknown>)[k] = opts[k];
      }
      const entries = await withStore(openStore, cmd, (store) => store.requestLog.query(filter));
      if (opts.json) return io.out(JSON.stringify(entries, null, 2));
      if (entries.length === 0) return io.out('No requests match.');
      io.out(table(['TIME', 'STATUS', 'TENANT', 'ALIAS', 'DEPLOYMENT', 'LOC', 'LATENCY', 'TOKENS', 'COST', 'REASON'], entries.map(logRow)));
    });
}

interface CreateOptions {
  tenant: string;
  name?: string;
  models?: string[];
  rpm?: number;
  tpm?: number;
  budgetUsd?: { usd: number; period: 'day' | 'month' };
  budgetMode: 'hard' | 'soft' | 'downgrade';
  dataPolicy?: ApiKeyRecord['dataPolicy'];
  json?: boolean;
}

interface LogsOptions {
  since?: string;
  until?: string;
  tenant?: string;
  alias?: string;
  location?: string;
  status?: number;
  limit: number;
  json?: boolean;
}

function toSettings(opts: CreateOptions): NewKeySettings {
  const settings: NewKeySettings = { tenant: opts.tenant, models: opts.models ?? [] };
  if (opts.name !== undefined) settings.name = opts.name;
  if (opts.rpm !== undefined) settings.rpm = opts.rpm;
  if (opts.tpm !== undefined) settings.tpm = opts.tpm;
  if (opts.dataPolicy !== undefined) settings.dataPolicy = opts.dataPolicy;
  if (opts.budgetUsd) {
    settings.budget = { ...opts.budgetUsd, mode: opts.budgetMode };
  }
  return settings;
}

/** The record without its hash: nothing a CLI user needs, nothing to leak. */
function publicRecord(k: ApiKeyRecord): Omit<ApiKeyRecord, 'hash'> {
  const { hash: _hash, ...rest } = k;
  return rest;
}

function logRow(e: RequestLogEntry): string[] {
  const tokens =
    e.promptTokens !== undefined || e.completionTokens !== undefined
      ? `${e.promptTokens ?? 0}+${e.completionTokens ?? 0}${e.tokensEstimated ? '~' : ''}`
      : '-';
  return [
    e.time.slice(0, 19).replace('T', ' '),
    String(e.status),
    e.tenant ?? '-',
    e.alias,
    e.deployment ?? '-',
    e.location ?? '-',
    `${Math.round(e.latencyMs)}ms`,
    tokens,
    e.costUsd !== undefined ? `$${e.costUsd.toFixed(6)}` : '-',
    e.routeReason ?? '-',
  ];
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
