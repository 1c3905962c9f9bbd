/** Response header values that explain a decision (never secrets or PII values). */

/** `x-meridian-cost-usd`: plain decimal USD, up to 10 places (sub-micro-dollar local costs), no exponent. */
export function formatUsd(usd: number | undefined): string {
  return (usd ?? 0).toFixed(10).replace(/0+$/, '').replace(/\.$/, '.0');
}
