/**
 * OpenTelemetry traces and GenAI metrics, exported over OTLP/HTTP when `telemetry.enabled`.
 * Follows the GenAI semantic conventions (v1.41:
 * https://github.com/open-telemetry/semantic-conventions/blob/v1.41.0/docs/gen-ai/gen-ai-spans.md and
 * gen-ai-metrics.md): one SERVER span per gateway request (parent: the client's `traceparent`), one
 * CLIENT span per upstream attempt named `{gen_ai.operation.name} {gen_ai.request.model}` whose
 * `traceparent` goes upstream, and the `gen_ai.client.*` histograms. Meridian's own facts (route,
 * location, guard action, cost) are `meridian.*` attributes; personal data never is (PII counts by
 * type only). Off by default: the SDK is imported only when enabled, and a request then carries no
 * trace object at all.
 */
import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Deployment } from '../providers/spec.js';
import type { RequestKind } from '../router/types.js';
import { withCallHeaders } from '../providers/shared/trace-headers.js';
import type { RequestLogEntry } from '../store/types.js';

export const telemetryConfigSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** OTLP/HTTP base URL; traces go to `{endpoint}/v1/traces`, metrics to `{endpoint}/v1/metrics`. */
    endpoint: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .default('http://127.0.0.1:4318'),
    /** Sent with every export (a collector's auth header). Secrets: never logged. */
    headers: z.record(z.string().max(256), z.string().max(4096)).default({}),
    serviceName: z.string().min(1).max(128).default('meridian'),
    /** Share of new traces recorded; a client's sampled `traceparent` is always followed. */
    sampleRatio: z.number().min(0).max(1).default(1),
    /** Export the `gen_ai.client.*` metrics too (beside the Prometheus ones at /metrics). */
    metrics: z.boolean().default(true),
    metricsIntervalMs: z.number().int().min(1000).max(3_600_000).default(60_000),
  })
  .strict()
  .prefault({});

export type TelemetryConfig = z.infer<typeof telemetryConfigSchema>;

export type Operation = RequestKind;

export interface Telemetry {
  /** The request's SERVER span, child of the client's `traceparent` when it sent one. */
  startRequest(input: {
    operation: Operation;
    model: string;
    headers: Record<string, string | string[] | undefined>;
    start: number;
  }): RequestTrace;
  /** Exports what is buffered (tests, and before exit). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface RequestTrace {
  /** Runs one upstream call inside its CLIENT span; the span's `traceparent` is sent upstream. */
  attempt<T>(d: Deployment, run: () => Promise<T>): Promise<T>;
  /** Ends the spans (the committed attempt's when the answer is complete) and records the metrics. */
  end(entry: RequestLogEntry): void;
}

// Bucket boundaries the conventions specify for each histogram.
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
const SECONDS_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];

export async function createTelemetry(config: TelemetryConfig, logger: Logger): Promise<Telemetry> {
  const [api, core, resources, traceSdk, traceExporter, metricsSdk, metricExporter] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/sdk-metrics'),
    import('@opentelemetry/exporter-metrics-otlp-http'),
  ]);
  const { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, defaultTextMapGetter, defaultTextMapSetter } = api;
  const base = config.endpoint.replace(/\/+$/, '');
  const resource = resources.resourceFromAttributes({ 'service.name': config.serviceName });
  // No global registration: several gateways (tests) can run in one process, each with its own.
  const tracerProvider = new traceSdk.BasicTracerProvider({
    resource,
    sampler: new traceSdk.ParentBasedSampler({ root: new traceSdk.TraceIdRatioBasedSampler(config.sampleRatio) }),
    spanProcessors: [
      new traceSdk.BatchSpanProcessor(new traceExporter.OTLPTraceExporter({ url: `${base}/v1/traces`, headers: config.headers })),
    ],
  });
  const tracer: Tracer = tracerProvider.getTracer('meridian');
  const propagator = new core.W3CTraceContextPropagator();

  const meterProvider = config.metrics
    ? new metricsSdk.MeterProvider({
        resource,
        readers: [
          new metricsSdk.PeriodicExportingMetricReader({
            exporter: new metricExporter.OTLPMetricExporter({ url: `${base}/v1/metrics`, headers: config.headers }),
            exportIntervalMillis: config.metricsIntervalMs,
          }),
        ],
      })
    : undefined;
  const meter = meterProvider?.getMeter('meridian');
  const histograms = meter && {
    tokens: meter.createHistogram('gen_ai.client.token.usage', {
      unit: '{token}',
      description: 'Number of input and output tokens used.',
      advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
    }),
    duration: meter.createHistogram('gen_ai.client.operation.duration', {
      unit: 's',
      description: 'GenAI operation duration.',
      advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    }),
    firstChunk: meter.createHistogram('gen_ai.client.operation.time_to_first_chunk', {
      unit: 's',
      description: 'Time to receive the first chunk of a streamed answer.',
      advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    }),
  };

  const providerName = (d: Deployment) => d.provider.adapter.genAiProviderName ?? d.provider.type;

  function startRequest(input: Parameters<Telemetry['startRequest']>[0]): RequestTrace {
    const parent: Context = propagator.extract(ROOT_CONTEXT, input.headers, defaultTextMapGetter);
    const requestSpan = tracer.startSpan(
      `${input.operation} ${input.model}`,
      {
        kind: SpanKind.SERVER,
        startTime: input.start,
        attributes: { 'gen_ai.operation.name': input.operation, 'gen_ai.request.model': input.model },
      },
      parent,
    );
    const requestContext = trace.setSpan(parent, requestSpan);
    let committed: { span: Span; deployment: Deployment } | undefined;

    return {
      async attempt(d, run) {
        const span = tracer.startSpan(
          `${input.operation} ${d.model}`,
          {
            kind: SpanKind.CLIENT,
            attributes: {
              'gen_ai.operation.name': input.operation,
              'gen_ai.provider.name': providerName(d),
              'gen_ai.request.model': d.model,
              'meridian.deployment': d.id,
              'meridian.location': d.location,
              ...serverAddress(d.provider.baseUrl),
            },
          },
          requestContext,
        );
        const headers: Record<string, string> = {};
        propagator.inject(trace.setSpan(requestContext, span), headers, defaultTextMapSetter);
        try {
          const value = await withCallHeaders(headers, run);
          committed = { span, deployment: d };
          return value;
        } catch (err) {
          failSpan(span, err);
          span.end();
          throw err;
        }
      },

      end(entry) {
        const facts = entryAttributes(entry);
        if (committed) {
          const { span, deployment } = committed;
          span.setAttributes({ 'gen_ai.response.model': deployment.model, ...usageAttributes(entry) });
          if (entry.status >= 400) failSpan(span, entry.errorCode ?? String(entry.status));
          span.end();
        }
        requestSpan.setAttributes({ ...facts, ...usageAttributes(entry) });
        if (committed) requestSpan.setAttribute('gen_ai.provider.name', providerName(committed.deployment));
        if (entry.status >= 400) failSpan(requestSpan, entry.errorCode ?? String(entry.status));
        requestSpan.end();
        if (histograms) recordMetrics(histograms, input.operation, entry, committed?.deployment);
      },
    };
  }

  function failSpan(span: Span, err: unknown): void {
    const code = typeof err === 'string' ? err : ((err as { code?: string })?.code ?? (err as Error)?.name ?? 'error');
    span.setAttribute('error.type', code);
    span.setStatus({ code: SpanStatusCode.ERROR, message: code });
  }

  function recordMetrics(h: NonNullable<typeof histograms>, operation: Operation, entry: RequestLogEntry, d: Deployment | undefined): void {
    // Labels only from configured names: an unresolved request's model is the client's free text.
    const attrs: Attributes = {
      'gen_ai.operation.name': operation,
      'gen_ai.request.model': d ? entry.alias : '_unresolved',
      ...(d ? { 'gen_ai.provider.name': providerName(d), 'gen_ai.response.model': d.model } : {}),
      ...(entry.status >= 400 ? { 'error.type': entry.errorCode ?? String(entry.status) } : {}),
    };
    h.duration.record(entry.latencyMs / 1000, attrs);
    if (entry.stream && entry.ttftMs !== undefined && entry.status < 400) h.firstChunk.record(entry.ttftMs / 1000, attrs);
    if (entry.promptTokens !== undefined) h.tokens.record(entry.promptTokens, { ...attrs, 'gen_ai.token.type': 'input' });
    if (entry.completionTokens !== undefined) h.tokens.record(entry.completionTokens, { ...attrs, 'gen_ai.token.type': 'output' });
  }

  const failed = (what: string) => (err: unknown) => logger.warn({ err: (err as Error)?.message }, `telemetry ${what} failed`);
  return {
    startRequest,
    async flush() {
      await Promise.all([tracerProvider.forceFlush().catch(failed('flush')), meterProvider?.forceFlush().catch(failed('flush'))]);
    },
    async shutdown() {
      await Promise.all([tracerProvider.shutdown().catch(failed('shutdown')), meterProvider?.shutdown().catch(failed('shutdown'))]);
    },
  };
}

function serverAddress(baseUrl: string): Attributes {
  try {
    const u = new URL(baseUrl);
    const port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
    return { 'server.address': u.hostname, 'server.port': port };
  } catch {
    return {};
  }
}

function usageAttributes(entry: RequestLogEntry): Attributes {
  return {
    ...(entry.promptTokens !== undefined ? { 'gen_ai.usage.input_tokens': entry.promptTokens } : {}),
    ...(entry.completionTokens !== undefined ? { 'gen_ai.usage.output_tokens': entry.completionTokens } : {}),
  };
}

/** The request log's facts as span attributes: where it ran and why, what the guard did, what it cost. */
function entryAttributes(entry: RequestLogEntry): Attributes {
  const a: Attributes = {
    'meridian.request_id': entry.id,
    'meridian.alias': entry.alias,
    'http.response.status_code': entry.status,
    'meridian.stream': entry.stream,
  };
  if (entry.tenant !== undefined) a['meridian.tenant'] = entry.tenant;
  if (entry.deployment !== undefined) a['meridian.deployment'] = entry.deployment;
  if (entry.location !== undefined) a['meridian.location'] = entry.location;
  if (entry.routeReason !== undefined) a['meridian.route.reason'] = entry.routeReason;
  if (entry.guardAction !== undefined) a['meridian.guard.action'] = entry.guardAction;
  if (entry.pii) for (const [type, n] of Object.entries(entry.pii)) a[`meridian.pii.${type}`] = n;
  if (entry.costUsd !== undefined) a['meridian.cost_usd'] = entry.costUsd;
  if (entry.promptVersion !== undefined) a['meridian.prompt.version'] = entry.promptVersion;
  if (entry.attempts.length > 0) a['meridian.attempts'] = entry.attempts.length;
  if (entry.errorCode !== undefined) a['meridian.error.code'] = entry.errorCode;
  return a;
}
