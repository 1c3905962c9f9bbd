/**
 * CLI verbs owned by the meter: `meridian bench <provider/model>` and `meridian cost breakeven`.
 * Library code throws; the CLI entry point turns errors into exit codes.
 */
import type { Command } from 'commander';
import type { ProviderHandle } from '../providers/spec.js';
import { formatBenchTable, parseDuration, runBench } from './bench.js';
import { benchTokensPerSecond, latestBenchRun, readBenchRun, saveBenchRun } from './bench-results.js';
import { breakeven, dailyFromTotals, type BreakevenInputs, type BreakevenResult, type UsageTotals } from './breakeven.js';
import { getDefaultCatalog } from './catalog.js';

export interface MeterCliDeps {
  stdout?: { write(s: string): unknown };
  stderr?: { write(s: string): unknown };
  /** A configured provider by id (the lead wires the loaded config); used when --base-url is absent. */
  resolveProvider?: (id: string) => ProviderHandle | undefined | Promise<ProviderHandle | undefined>;
  /** Totals of the request log over the last `days` days (the lead wires the store). */
  loadUsage?: (days: number) => Promise<UsageTotals>;
}

const num =
  (name: string) =>
  (v: string): number => {
    const n = Number(v.replace(/_/g, ''));
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number (got '${v}').`);
    return n;
  };

const share =
  (name: string) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0 || n > 1) throw new Error(`--${name} must be a share between 0 and 1 (got '${v}').`);
    return n;
  };

/** "4.8M", "70K", "1e6" or plain numbers (token volumes). */
export function parseVolume(v: string): number {
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)([kKmMbB]?)$/.exec(v.replace(/[_,]/g, '').trim());
  if (!m) throw new Error(`Cannot read token volume '${v}': use e.g. 250000, 70K or 4.8M.`);
  const mult = { '': 1, k: 1e3, m: 1e6, b: 1e9 }[(m[2] ?? '').toLowerCase()] ?? 1;
  return Number(m[1]) * mult;
}

export function registerMeterCommands(program: Command, deps: MeterCliDeps = {}): void {
  const out = deps.stdout ?? process.stdout;
  const err = deps.stderr ?? process.stderr;

  program
    .command('bench')
    .description('Measure an engine: TTFT p50/p95, output tokens/s per stream and in total, errors, per concurrency level')
    .argument('<provider/model>', 'provider id and model, e.g. vllm/llama-3.1-8b')
    .option('--concurrency <list>', 'comma-separated concurrency levels', '1,4,16')
    .option('--duration <time>', 'how long each level runs (30s, 2m, 500ms)', '30s')
    .option('--base-url <url>', 'endpoint base URL (e.g. http://127.0.0.1:8000/v1); default: the configured provider')
    .option('--type <type>', 'provider type from the adapter table (openai-compatible, ollama, openai…)', 'openai-compatible')
    .option('--api-key-env <name>', 'environment variable holding an API key for the endpoint')
    .option('--max-tokens <n>', 'max_tokens per request', '256')
    .option('--out <path>', 'write the results JSON here instead of .meridian/bench/')
    .option('--bench-dir <dir>', 'directory for saved results', '.meridian/bench')
    .option('--json', 'print the results as JSON instead of a table')
    .action(async (target: string, o: Record<string, string | boolean | undefined>) => {
      const slash = target.indexOf('/');
      if (slash <= 0 || slash === target.length - 1) throw new Error(`Give the target as provider/model (got '${target}').`);
      const providerId = target.slice(0, slash);
      const model = target.slice(slash + 1);
      const concurrency = String(o.concurrency)
        .split(',')
        .map((s) => Number(s.trim()));
      if (concurrency.some((c) => !Number.isInteger(c) || c < 1)) throw new Error(`--concurrency must be positive integers, e.g. 1,4,16.`);
      const maxTokens = Number(o.maxTokens);
      if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new Error('--max-tokens must be a positive integer.');
      let provider: ProviderHandle | undefined;
      if (!o.baseUrl) {
        provider = await deps.resolveProvider?.(providerId);
        if (!provider)
          throw new Error(`No provider '${providerId}' is configured: pass --base-url (and --type) to bench an endpoint directly.`);
      }
      const apiKey = typeof o.apiKeyEnv === 'string' ? process.env[o.apiKeyEnv] : undefined;
      const run = await runBench({
        target,
        providerId,
        model,
        providerType: String(o.type),
        ...(typeof o.baseUrl === 'string' ? { baseUrl: o.baseUrl } : {}),
        ...(apiKey ? { apiKey } : {}),
        ...(provider ? { provider } : {}),
        concurrency,
        durationMs: parseDuration(String(o.duration)),
        maxTokens,
        onProgress: (line) => err.write(line + '\n'),
      });
      const path = saveBenchRun(String(o.benchDir), run, typeof o.out === 'string' ? o.out : undefined);
      out.write((o.json ? JSON.stringify(run, null, 2) : formatBenchTable(run)) + '\n');
      err.write(`saved ${path}\n`);
    });

  const cost = program.command('cost').description('Cost tools');
  cost
    .command('breakeven')
    .description('Self-host or API? Cloud cost/day, self-host cost/day, break-even volume, required utilization')
    .option('--tokens-in-per-day <n>', 'input tokens per day (e.g. 2M)', parseVolume)
    .option('--tokens-out-per-day <n>', 'output tokens per day (e.g. 500K)', parseVolume)
    .option('--days <n>', 'use logged traffic of the last N days instead of --tokens-*-per-day', num('days'))
    .option('--cloud-model <model>', 'price the cloud side from the catalog (e.g. gpt-4o or anthropic/claude-sonnet-4-5)')
    .option('--cloud-price-in <usd>', 'cloud USD per 1M input tokens', num('cloud-price-in'))
    .option('--cloud-price-out <usd>', 'cloud USD per 1M output tokens', num('cloud-price-out'))
    .option('--cloud-price-cached-in <usd>', 'cloud USD per 1M cached input tokens', num('cloud-price-cached-in'))
    .option(
      '--cached-input-share <0-1>',
      'share of input tokens read from the provider cache (default: from the log with --days, else 0)',
      share('cached-input-share'),
    )
    .option('--gpu-usd-per-hour <usd>', 'what the GPU/machine costs per hour', num('gpu-usd-per-hour'))
    .option('--tokens-per-second <n>', 'aggregate output tokens/s of the engine (measured)', num('tokens-per-second'))
    .option('--bench <provider/model>', 'read tokens/s from the newest saved `meridian bench` run for this target')
    .option('--bench-dir <dir>', 'directory of saved bench results', '.meridian/bench')
    .option('--prompt-tokens-per-second <n>', 'prefill tokens/s, to charge prompt processing GPU time', num('prompt-tokens-per-second'))
    .option('--hours-per-day <n>', 'hours per day the GPU is paid for', num('hours-per-day'), 24)
    .option('--json', 'print JSON')
    .action(async (o: Record<string, unknown>) => {
      const inputs = await breakevenInputsFromFlags(o, deps);
      const result = breakeven(inputs);
      out.write((o.json ? JSON.stringify({ inputs, result }, null, 2) : formatBreakeven(inputs, result)) + '\n');
    });
}

async function breakevenInputsFromFlags(o: Record<string, unknown>, deps: MeterCliDeps): Promise<BreakevenInputs> {
  let tokensIn = o.tokensInPerDay as number | undefined;
  let tokensOut = o.tokensOutPerDay as number | undefined;
  let cachedFraction = o.cachedInputShare as number | undefined;
  let loggedCloud: UsageTotals['cloud'];
  if (o.days !== undefined) {
    if (!deps.loadUsage) throw new Error('--days needs the request log; run it where the gateway store is configured.');
    const totals = await deps.loadUsage(o.days as number);
    const daily = dailyFromTotals({ ...totals, days: totals.days || (o.days as number) });
    tokensIn ??= daily.tokensInPerDay;
    tokensOut ??= daily.tokensOutPerDay;
    cachedFraction ??= daily.cachedInputFraction;
    loggedCloud = totals.cloud;
  }
  if (tokensIn === undefined && tokensOut === undefined)
    throw new Error('Give --tokens-out-per-day (and --tokens-in-per-day), or --days N to use logged traffic.');

  let priceIn = o.cloudPriceIn as number | undefined;
  let priceOut = o.cloudPriceOut as number | undefined;
  let priceCached = o.cloudPriceCachedIn as number | undefined;
  // A cached-input price only matters with a share of input that hits the cache: never drop it silently.
  if (priceCached !== undefined && cachedFraction === undefined)
    throw new Error(
      '--cloud-price-cached-in needs the share of input served from the cache: add --cached-input-share (0–1), or --days N to read it from the log.',
    );
  if (typeof o.cloudModel === 'string') {
    const [type, model] = o.cloudModel.includes('/') ? o.cloudModel.split('/', 2) : [undefined, o.cloudModel];
    const hit = getDefaultCatalog().lookup(type, model ?? '') ?? getDefaultCatalog().lookup(undefined, o.cloudModel);
    if (!hit) throw new Error(`'${o.cloudModel}' is not in the price catalog: pass --cloud-price-in and --cloud-price-out.`);
    priceIn ??= hit.entry.input;
    priceOut ??= hit.entry.output;
    priceCached ??= hit.entry.cachedInput;
  }
  if (priceIn === undefined && priceOut === undefined && loggedCloud) {
    // No cloud price given: what the cloud requests paid per output token (their input folded in),
    // from cloud requests only — local tokens are not part of any cloud bill.
    if (!(loggedCloud.completionTokens > 0))
      throw new Error(
        `No cloud traffic in the last ${String(o.days)} days to take a price from: give --cloud-model, or --cloud-price-in and --cloud-price-out.`,
      );
    priceIn = 0;
    priceOut = (loggedCloud.costUsd / loggedCloud.completionTokens) * 1e6;
    priceCached = undefined; // input is already inside the output-equivalent price
  }
  if (priceOut === undefined) throw new Error('Give --cloud-model, or --cloud-price-in and --cloud-price-out (USD per 1M tokens).');

  let tps = o.tokensPerSecond as number | undefined;
  if (tps === undefined && typeof o.bench === 'string') {
    const run = latestBenchRun(String(o.benchDir), o.bench) ?? (o.bench.endsWith('.json') ? readBenchRun(o.bench) : undefined);
    tps = run ? benchTokensPerSecond(run) : undefined;
    if (!tps) throw new Error(`No saved bench results for '${o.bench}' in ${String(o.benchDir)}: run \`meridian bench ${o.bench}\` first.`);
  }
  if (tps === undefined) throw new Error('Give --tokens-per-second (measured with `meridian bench`) or --bench provider/model.');
  if (o.gpuUsdPerHour === undefined) throw new Error('Give --gpu-usd-per-hour.');

  const inputs: BreakevenInputs = {
    tokensInPerDay: tokensIn ?? 0,
    tokensOutPerDay: tokensOut ?? 0,
    cloudPriceIn: priceIn ?? 0,
    cloudPriceOut: priceOut,
    gpuUsdPerHour: o.gpuUsdPerHour as number,
    tokensPerSecond: tps,
    hoursPerDay: o.hoursPerDay as number,
  };
  if (priceCached !== undefined) inputs.cloudPriceCachedIn = priceCached;
  if (cachedFraction) inputs.cachedInputFraction = cachedFraction;
  if (o.promptTokensPerSecond !== undefined) inputs.promptTokensPerSecond = o.promptTokensPerSecond as number;
  return inputs;
}

const usd = (x: number): string => `$${x.toFixed(2)}`;
const tokens = (x: number): string =>
  !Number.isFinite(x) ? 'never' : x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)}K` : x.toFixed(0);

export function formatBreakeven(i: BreakevenInputs, r: BreakevenResult): string {
  const rows: Array<[string, string]> = [
    ['traffic', `${tokens(i.tokensInPerDay)} in + ${tokens(i.tokensOutPerDay)} out tokens/day`],
    [
      'cloud price',
      `$${i.cloudPriceIn}/1M in, ` +
        (i.cloudPriceCachedIn !== undefined && i.cachedInputFraction
          ? `$${i.cloudPriceCachedIn}/1M cached in (${(i.cachedInputFraction * 100).toFixed(1)}% of input), `
          : '') +
        `$${i.cloudPriceOut}/1M out`,
    ],
    ['self-host', `$${i.gpuUsdPerHour}/h × ${i.hoursPerDay ?? 24} h/day at ${i.tokensPerSecond} tokens/s`],
    ['cloud cost/day', usd(r.cloudUsdPerDay)],
    ['self-host cost/day', `${usd(r.selfHostUsdPerDay)}${r.gpus > 1 ? ` (${r.gpus} GPUs)` : ''}`],
    ['capacity of one GPU', `${tokens(r.capacityTokensOutPerDay)} output tokens/day`],
    ['break-even volume', `${tokens(r.breakevenTokensOutPerDay)} output tokens/day`],
    ['required utilization', `${(r.requiredUtilization * 100).toFixed(1)}%`],
    ['your utilization', `${(r.utilization * 100).toFixed(1)}%`],
    ['cheapest', r.cheapest === 'equal' ? 'equal' : `${r.cheapest} (saves ${usd(r.savingsUsdPerDay)}/day)`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return [...rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`), ...r.notes.map((n) => `note: ${n}`)].join('\n');
}
