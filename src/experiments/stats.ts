/**
 * The statistics of an experiment report: 95% confidence intervals for a proportion (Wilson score
 * interval, which stays inside [0, 1] and behaves with few samples or rates near 0 or 1) and for a
 * mean (Student's t), and the median. References: Wilson (1927), "Probable inference, the law of
 * succession, and statistical inference", JASA 22:209–212; NIST/SEMATECH e-Handbook of Statistical
 * Methods §7.2.4.1 (proportions) and §7.2.2.1 (confidence limits for the mean).
 */

/** z for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

/** t(0.975, df) for df = 1…30 (NIST e-Handbook table 1.3.6.7.2). */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086,
  2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** The 97.5th percentile of Student's t with `df` degrees of freedom (table to 30, then the Cornish–Fisher expansion; error < 1e-3). */
export function t975(df: number): number {
  if (df < 1) return Number.NaN;
  if (df <= 30) return T975[Math.floor(df) - 1]!;
  const z = Z95;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2);
}

export interface Interval {
  low: number;
  high: number;
}

/** Wilson score interval for `successes` of `n` at 95%; undefined when n = 0. */
export function wilson(successes: number, n: number): Interval | undefined {
  if (n <= 0) return undefined;
  const p = successes / n;
  const z2 = Z95 * Z95;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (Z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

export interface MeanSummary {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1). */
  sd: number;
  /** Undefined below two samples (no spread to estimate). */
  ci?: Interval;
}

/** Mean with a 95% t interval; undefined for no values. */
export function meanWithCi(values: readonly number[]): MeanSummary | undefined {
  const n = values.length;
  if (n === 0) return undefined;
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / n;
  if (n < 2) return { n, mean, sd: 0 };
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  const sd = Math.sqrt(ss / (n - 1));
  const half = (t975(n - 1) * sd) / Math.sqrt(n);
  return { n, mean, sd, ci: { low: mean - half, high: mean + half } };
}

/** The median (nearest rank); undefined for no values. Sorts a copy. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length / 2) - 1];
}
