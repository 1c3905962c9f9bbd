/**
 * Prometheus metrics (GET /metrics): requests, errors, latency and TTFT histograms, tokens and
 * cost by alias/deployment/location, route decisions by reason, breaker states, in-flight.
 * One registry per gateway so tests and several gateways in one process don't collide.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MetricsService } from '../gateway/services.js';
import type { RequestLogEntry } from '../store/types.js';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export interface Metrics extends MetricsService {
  registry: Registry;
  /** Sets the breaker state gauge (0 closed, 1 half-open, 2 open). */
  breakerState(deployment: string, state: 'closed' | 'half-open' | 'open'): void;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'meridian_process_' });
  const labels = ['kind', 'alias', 'deployment', 'location', 'status'] as const;
  const requests = new Counter({ name: 'meridian_requests_total', help: 'Requests by outcome', labelNames: labels, registers: [registry] });
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
  });
  const cost = new Counter({
    name: 'meridian_cost_usd_total',
    help: 'Cost in USD',
    labelNames: ['alias', 'deployment', 'location'],
    registers: [registry],
  });
  const routes = new Counter({
    name: 'meridian_route_decisions_total',
    help: 'Routing decisions by reason',
    labelNames: ['alias', 'deployment', 'reason'],
    registers: [registry],
  });
  const breakers = new Gauge({
    name: 'meridian_breaker_state',
    help: 'Circuit breaker state (0 closed, 1 half-open, 2 open)',
    labelNames: ['deployment'],
    registers: [registry],
  });
  const inflight = new Gauge({ name: 'meridian_inflight_requests', help: 'Requests in flight', registers: [registry] });
  const piiFound = new Counter({
    name: 'meridian_pii_findings_total',
    help: 'PII findings by type (counts only)',
    labelNames: ['type'],
    registers: [registry],
  });

  const children = new Map<
    string,
    {
      requests: Counter.Internal;
      latency: Histogram.Internal<string>;
      ttft: Histogram.Internal<string>;
      tokensIn: Counter.Internal;
      tokensOut: Counter.Internal;
      cost: Counter.Internal;
    }
  >();

  const routeChildren = new Map<string, Counter.Internal>();

  return {
    registry,
    observe(e: RequestLogEntry) {
      const deployment = e.deployment ?? 'none';
      const location = e.location ?? 'none';
      // Label children are cached per combination: prom-client hashes labels on every call otherwise.
      const key = `${e.kind}\u0000${e.alias}\u0000${deployment}\u0000${location}\u0000${e.status}`;
      let c = children.get(key);
      if (!c) {
        const l = { alias: e.alias, deployment, location };
        c = {
          requests: requests.labels({ kind: e.kind, ...l, status: String(e.status) }),
          latency: latency.labels(l),
          ttft: ttft.labels(l),
          tokensIn: tokens.labels({ ...l, direction: 'input' }),
          tokensOut: tokens.labels({ ...l, direction: 'output' }),
          cost: cost.labels(l),
        };
        if (children.size < 10_000) children.set(key, c);
      }
      c.requests.inc();
      if (e.status >= 400) errors.inc({ alias: e.alias, code: e.errorCode ?? 'unknown' });
      c.latency.observe(e.latencyMs / 1000);
      if (e.ttftMs !== undefined) c.ttft.observe(e.ttftMs / 1000);
      if (e.promptTokens) c.tokensIn.inc(e.promptTokens);
      if (e.completionTokens) c.tokensOut.inc(e.completionTokens);
      if (e.costUsd) c.cost.inc(e.costUsd);
      if (e.pii) for (const [type, n] of Object.entries(e.pii)) piiFound.inc({ type }, n);
    },
    routeDecision(alias, deployment, reason) {
      const key = `${alias}\u0000${deployment}\u0000${reason}`;
      let c = routeChildren.get(key);
      if (!c) {
        c = routes.labels({ alias, deployment, reason });
        if (routeChildren.size < 10_000) routeChildren.set(key, c);
      }
      c.inc();
    },
    inflight(delta) {
      inflight.inc(delta);
    },
    breakerState(deployment, state) {
      breakers.set({ deployment }, state === 'closed' ? 0 : state === 'half-open' ? 1 : 2);
    },
  };
}
