/**
 * Prometheus metrics (GET /metrics): requests, errors, latency and TTFT histograms, tokens and
 * cost by alias/deployment/location, route decisions by reason, breaker states, in-flight,
 * response-cache results and saved spend.
 * One registry per gateway so tests and several gateways in one process don't collide.
 *
 * Every label value is bounded: aliases and deployments must be configured names (anything a
 * client made up is `_other`), and open-ended values (error codes, route reasons, PII types) are
 * short identifiers, at most MAX_DISTINCT of each, so no client can grow the series without end.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MetricsService } from '../gateway/services.js';
import type { RequestLogEntry } from '../store/types.js';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** The label value for anything not configured or past a label's bound. */
export const OTHER = '_other';
const MAX_DISTINCT = 100;
const MAX_LABEL_LENGTH = 64;
const LOCATIONS = new Set(['local', 'private', 'cloud', 'none']);
const KINDS = new Set(['chat', 'embeddings', 'audio']);

export type BreakerStateName = 'closed' | 'half-open' | 'open';

export interface Metrics extends MetricsService {
  registry: Registry;
  /** What GET /metrics answers (Prometheus text): this registry, or in a cluster the sum over every process. */
  exposition(): Promise<string>;
  /**
   * The configured alias names and deployment ids (`provider/model`): the only values the alias
   * and deployment labels take. Call at start and after every config reload.
   */
  setKnownNames(aliases: Iterable<string>, deployments: Iterable<string>): void;
  /** Reads the breaker states at each scrape (0 closed, 1 half-open, 2 open); deployments outside the known names are skipped. */
  watchBreakers(read: () => Iterable<readonly [deployment: string, state: BreakerStateName]>): void;
  /** Reads the store's request-log health at each scrape: rows dead-lettered, entries waiting to be written. */
  watchStore(read: () => { deadLetters: number; pendingLogEntries: number }): void;
}

export interface MetricsOptions {
  defaultMetrics?: boolean;
  /** Replaces the registry's own text at GET /metrics (a cluster worker asks the primary for the aggregate). */
  exposition?: () => Promise<string>;
}

export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  // prom-client names them process_* and nodejs_*: the prefix makes meridian_process_cpu_seconds_total.
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'meridian_' });
  let aliases = new Set<string>();
  let deployments = new Set<string>();
  let readBreakers: (() => Iterable<readonly [string, BreakerStateName]>) | undefined;
  const alias = (v: string) => (aliases.has(v) ? v : OTHER);
  const deployment = (v: string | undefined) => (v === undefined ? 'none' : deployments.has(v) ? v : OTHER);
  const location = (v: string | undefined) => (v === undefined ? 'none' : LOCATIONS.has(v) ? v : OTHER);
  const status = (v: number) => (Number.isInteger(v) && v >= 100 && v <= 599 ? String(v) : OTHER);
  const errorCode = boundedLabel();
  const reason = boundedLabel();
  const piiType = boundedLabel();
  const labels = ['kind', 'alias', 'deployment', 'location', 'status'] as const;
  // Per-request counters add to plain numbers (see `tally`) that each counter's collect hands over at a scrape.
  const tallies = new Map<Counter<string>, Tally[]>();
  const tallied = {
    collect(this: Counter<string>) {
      flushTallies(this, tallies);
    },
  };
  const requests = new Counter({
    name: 'meridian_requests_total',
    help: 'Requests by outcome',
    labelNames: labels,
    registers: [registry],
    ...tallied,
  });
  const errors = new Counter({
    name: 'meridian_errors_total',
    help: 'Failed requests by error code',
    labelNames: ['alias', 'code'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'meridian_request_duration_seconds',
    help: 'Request latency',
    labelNames: ['alias', 'deployment', 'location'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const ttft = new Histogram({
    name: 'meridian_time_to_first_token_seconds',
    help: 'Time to first streamed token',
    labelNames: ['alias', 'deployment', 'location'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'meridian_tokens_total',
    help: 'Tokens by direction',
    labelNames: ['alias', 'deployment', 'location', 'direction'],
    registers: [registry],
    ...tallied,
  });
  const cost = new Counter({
    name: 'meridian_cost_usd_total',
    help: 'Cost in USD',
    labelNames: ['alias', 'deployment', 'location'],
    registers: [registry],
    ...tallied,
  });
  const routes = new Counter({
    name: 'meridian_route_decisions_total',
    help: 'Routing decisions by reason',
    labelNames: ['alias', 'deployment', 'reason'],
    registers: [registry],
    ...tallied,
  });
  new Gauge({
    name: 'meridian_breaker_state',
    help: 'Circuit breaker state (0 closed, 1 half-open, 2 open)',
    labelNames: ['deployment'],
    registers: [registry],
    // Each worker of a cluster judges its own traffic: the aggregate shows the worst state.
    aggregator: 'max',
    collect() {
      if (!readBreakers) return;
      this.reset();
      for (const [d, state] of readBreakers()) {
        if (deployments.has(d)) this.set({ deployment: d }, state === 'closed' ? 0 : state === 'half-open' ? 1 : 2);
      }
    },
  });
  let readStore: (() => { deadLetters: number; pendingLogEntries: number }) | undefined;
  new Gauge({
    name: 'meridian_request_log_dead_letters',
    help: 'Request-log entries the database refused (kept in request_log_dead_letters) since start',
    registers: [registry],
    collect() {
      if (readStore) this.set(readStore().deadLetters);
    },
  });
  new Gauge({
    name: 'meridian_request_log_pending',
    help: 'Request-log entries accepted and not yet written',
    registers: [registry],
    collect() {
      if (readStore) this.set(readStore().pendingLogEntries);
    },
  });
  const inflight = new Gauge({ name: 'meridian_inflight_requests', help: 'Requests in flight', registers: [registry] });
  const piiFound = new Counter({
    name: 'meridian_pii_findings_total',
    help: 'PII findings by type (counts only)',
    labelNames: ['type'],
    registers: [registry],
  });

  const cacheResults = new Counter({
    name: 'meridian_cache_requests_total',
    help: 'Response-cache decisions by result (hit, miss, bypass), for aliases with the cache on',
    labelNames: ['alias', 'result'],
    registers: [registry],
  });
  const cacheSaved = new Counter({
    name: 'meridian_cache_saved_usd_total',
    help: 'Spend saved by response-cache hits: what the stored answers cost when they ran',
    labelNames: ['alias'],
    registers: [registry],
  });
  // Variants come from config (`experiment/variant`); bounded like any open-ended label.
  const variantLabel = boundedLabel();
  const variantRequests = new Counter({
    name: 'meridian_experiment_requests_total',
    help: 'Requests of an alias running an experiment, by variant (experiment/variant) and outcome',
    labelNames: ['variant', 'status'],
    registers: [registry],
  });

  const children = new Map<
    string,
    {
      requests: Tally;
      latency: Histogram.Internal<string>;
      ttft: Histogram.Internal<string>;
      tokensIn: Tally;
      tokensOut: Tally;
      cost: Tally;
    }
  >();

  const routeChildren = new Map<string, Tally>();
  const tally = (counter: Counter<string>, labelValues: Record<string, string>): Tally => {
    const t: Tally = { counter, labels: labelValues, n: 0 };
    let list = tallies.get(counter);
    if (!list) tallies.set(counter, (list = []));
    list.push(t);
    return t;
  };

  return {
    registry,
    exposition: opts.exposition ?? (() => registry.metrics()),
    setKnownNames(a, d) {
      aliases = new Set(a);
      deployments = new Set(d);
      // Cached children hold label values mapped under the old names (what they counted is kept).
      for (const counter of tallies.keys()) flushTallies(counter, tallies);
      tallies.clear();
      children.clear();
      routeChildren.clear();
    },
    watchBreakers(read) {
      readBreakers = read;
    },
    watchStore(read) {
      readStore = read;
    },
    observe(e: RequestLogEntry) {
      const l = { alias: alias(e.alias), deployment: deployment(e.deployment), location: location(e.location) };
      const kind = KINDS.has(e.kind) ? e.kind : OTHER;
      const code = status(e.status);
      // Label children are cached per combination: prom-client hashes labels on every call otherwise.
      const key = `${kind}\u0000${l.alias}\u0000${l.deployment}\u0000${l.location}\u0000${code}`;
      let c = children.get(key);
      if (!c) {
        c = {
          requests: tally(requests, { kind, ...l, status: code }),
          latency: latency.labels(l),
          ttft: ttft.labels(l),
          tokensIn: tally(tokens, { ...l, direction: 'input' }),
          tokensOut: tally(tokens, { ...l, direction: 'output' }),
          cost: tally(cost, l),
        };
        children.set(key, c);
      }
      add(c.requests, 1);
      if (e.status >= 400) errors.inc({ alias: l.alias, code: errorCode(e.errorCode ?? 'unknown') });
      c.latency.observe(e.latencyMs / 1000);
      if (e.ttftMs !== undefined) c.ttft.observe(e.ttftMs / 1000);
      if (e.promptTokens) add(c.tokensIn, e.promptTokens);
      if (e.completionTokens) add(c.tokensOut, e.completionTokens);
      if (e.costUsd) add(c.cost, e.costUsd);
      if (e.pii) for (const [type, n] of Object.entries(e.pii)) piiFound.inc({ type: piiType(type) }, n);
      if (e.variant !== undefined) variantRequests.inc({ variant: variantLabel(e.variant), status: code });
      if (e.savedUsd) cacheSaved.inc({ alias: l.alias }, e.savedUsd);
    },
    cacheResult(a, result) {
      cacheResults.inc({ alias: alias(a), result });
    },
    routeDecision(a, d, r) {
      const l = { alias: alias(a), deployment: deployment(d), reason: reason(r) };
      const key = `${l.alias}\u0000${l.deployment}\u0000${l.reason}`;
      let c = routeChildren.get(key);
      if (!c) {
        c = tally(routes, l);
        routeChildren.set(key, c);
      }
      add(c, 1);
    },
    inflight(delta) {
      inflight.inc(delta);
    },
  };
}

/**
 * One label combination of a counter, counted in a plain number: prom-client hashes and validates
 * the labels on every `inc`, even through a child from `labels()`, which cost a few µs per request.
 * The counter's `collect` (run by every read of the registry: GET /metrics, a cluster's aggregate,
 * `get()`) adds what was counted since the last read, so every reader sees the same totals.
 */
interface Tally {
  counter: Counter<string>;
  labels: Record<string, string>;
  n: number;
}

function add(t: Tally, value: number): void {
  // What prom-client would refuse (negative, not finite) it still refuses, at once and with its own error.
  if (!(value >= 0) || value === Infinity) t.counter.inc(t.labels, value);
  t.n += value;
}

function flushTallies(counter: Counter<string>, tallies: Map<Counter<string>, Tally[]>): void {
  for (const t of tallies.get(counter) ?? []) {
    if (t.n === 0) continue;
    counter.inc(t.labels, t.n);
    t.n = 0;
  }
}

/**
 * An open-ended label (error code, route reason, PII type): short identifiers pass, up to
 * MAX_DISTINCT distinct values; anything else, or anything after that, is `_other`.
 */
function boundedLabel(): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (value.length > MAX_LABEL_LENGTH || !/^[A-Za-z0-9_.:\/-]+$/.test(value) || seen.size >= MAX_DISTINCT) return OTHER;
    seen.add(value);
    return value;
  };
}
