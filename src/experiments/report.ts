/**
 * The per-variant report of an experiment: traffic share against the configured weight, errors,
 * feedback (score mean with a t interval; pass rate of labelled feedback with a Wilson interval),
 * cost and median latency. Pure: the store supplies the rows (store/experiment-records.ts).
 */
import type { ExperimentObservations } from '../store/types.js';
import { DEFAULT_PASS_LABELS } from './config.js';
import type { CompiledExperiment } from './assign.js';
import { meanWithCi, median, wilson, type Interval } from './stats.js';

export interface VariantReport {
  variant: string;
  /** Configured share (weight / sum of weights); null for a variant no longer configured. */
  expectedShare: number | null;
  prompt?: string;
  deployment?: string;
  requests: number;
  /** This variant's requests over the experiment's requests. */
  share: number;
  /** Requests with status >= 400. */
  errors: number;
  feedback: {
    count: number;
    /** Feedback with a score: mean, 95% t interval (null below two scores). */
    score: { n: number; mean: number; ci95: Interval | null } | null;
    /** Feedback with a label: pass rate (pass labels over labelled), 95% Wilson interval. */
    passRate: { n: number; passes: number; rate: number; ci95: Interval } | null;
    labels: Record<string, number>;
  };
  cost: { totalUsd: number; meanUsd: number | null };
  /** Over successful requests (status < 400). */
  latencyP50Ms: number | null;
}

export interface ExperimentReport {
  object: 'experiment.report';
  experiment: string;
  alias: string | null;
  sticky: string | null;
  since: string;
  requests: number;
  passLabels: string[];
  truncated: boolean;
  variants: VariantReport[];
}

export function buildReport(
  name: string,
  exp: CompiledExperiment | undefined,
  obs: ExperimentObservations,
  since: string,
): ExperimentReport {
  const passLabels = new Set<string>(exp?.passLabels ?? DEFAULT_PASS_LABELS);
  const prefix = `${name}/`;
  const order: string[] = exp ? exp.variants.map((v) => v.name) : [];
  interface Acc {
    requests: number;
    errors: number;
    costUsd: number;
    costed: number;
    latencies: number[];
    scores: number[];
    labelled: number;
    passes: number;
    feedback: number;
    labels: Record<string, number>;
  }
  const acc = new Map<string, Acc>();
  const get = (variant: string): Acc => {
    const v = variant.startsWith(prefix) ? variant.slice(prefix.length) : variant;
    let a = acc.get(v);
    if (!a) {
      a = { requests: 0, errors: 0, costUsd: 0, costed: 0, latencies: [], scores: [], labelled: 0, passes: 0, feedback: 0, labels: {} };
      acc.set(v, a);
      if (!order.includes(v)) order.push(v);
    }
    return a;
  };
  for (const v of order) get(v);
  for (const r of obs.requests) {
    const a = get(r.variant);
    a.requests++;
    if (r.status >= 400) a.errors++;
    else a.latencies.push(r.latencyMs);
    if (r.costUsd !== null) {
      a.costUsd += r.costUsd;
      a.costed++;
    }
  }
  for (const f of obs.feedback) {
    const a = get(f.variant);
    a.feedback++;
    if (f.score !== null) a.scores.push(f.score);
    if (f.label !== null) {
      a.labelled++;
      a.labels[f.label] = (a.labels[f.label] ?? 0) + 1;
      if (passLabels.has(f.label)) a.passes++;
    }
  }
  const total = obs.requests.length;
  const variants = order.map((v): VariantReport => {
    const a = acc.get(v)!;
    const cfg = exp?.variants.find((x) => x.name === v);
    const score = meanWithCi(a.scores);
    const pass = wilson(a.passes, a.labelled);
    return {
      variant: v,
      expectedShare: cfg && exp ? cfg.weight / exp.total : null,
      ...(cfg?.prompt ? { prompt: `${cfg.prompt.name}@${'version' in cfg.prompt ? cfg.prompt.version : cfg.prompt.label}` } : {}),
      ...(cfg?.deployment ? { deployment: cfg.deployment } : {}),
      requests: a.requests,
      share: total > 0 ? a.requests / total : 0,
      errors: a.errors,
      feedback: {
        count: a.feedback,
        score: score ? { n: score.n, mean: score.mean, ci95: score.ci ?? null } : null,
        passRate: pass ? { n: a.labelled, passes: a.passes, rate: a.passes / a.labelled, ci95: pass } : null,
        labels: a.labels,
      },
      cost: { totalUsd: a.costUsd, meanUsd: a.costed > 0 ? a.costUsd / a.costed : null },
      latencyP50Ms: median(a.latencies) ?? null,
    };
  });
  return {
    object: 'experiment.report',
    experiment: name,
    alias: exp?.alias ?? null,
    sticky: exp?.sticky ?? null,
    since,
    requests: total,
    passLabels: [...passLabels],
    truncated: obs.truncated,
    variants,
  };
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const ci = (i: Interval | null | undefined, f: (x: number) => string): string => (i ? ` [${f(i.low)}, ${f(i.high)}]` : '');

/** The report as text for `meridian experiments report`. */
export function formatReport(r: ExperimentReport): string {
  const lines = [
    `experiment ${r.experiment}${r.alias ? ` (alias ${r.alias}, sticky ${r.sticky})` : ' (not configured now)'} since ${r.since}: ${r.requests} requests` +
      (r.truncated ? ' (newest only: limit reached)' : ''),
  ];
  for (const v of r.variants) {
    const arm = [v.prompt, v.deployment].filter(Boolean).join(' on ');
    lines.push(`  ${v.variant}${arm ? `  (${arm})` : ''}`);
    lines.push(
      `    requests ${v.requests}  share ${pct(v.share)}${v.expectedShare !== null ? ` (weight ${pct(v.expectedShare)})` : ''}  errors ${v.errors}`,
    );
    const fb = v.feedback;
    const parts = [`feedback ${fb.count}`];
    if (fb.score) parts.push(`score ${fb.score.mean.toFixed(3)}${ci(fb.score.ci95, (x) => x.toFixed(3))} (n=${fb.score.n})`);
    if (fb.passRate) parts.push(`pass ${pct(fb.passRate.rate)}${ci(fb.passRate.ci95, pct)} (${fb.passRate.passes}/${fb.passRate.n})`);
    lines.push(`    ${parts.join('  ')}`);
    lines.push(
      `    cost $${v.cost.totalUsd.toFixed(6)}${v.cost.meanUsd !== null ? ` ($${v.cost.meanUsd.toFixed(6)}/request)` : ''}  latency p50 ${v.latencyP50Ms !== null ? `${v.latencyP50Ms.toFixed(0)} ms` : '-'}`,
    );
  }
  lines.push('  intervals: 95% (score: Student t; pass rate: Wilson)');
  return lines.join('\n');
}
