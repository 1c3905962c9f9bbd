/** Response header values that explain a decision (never secrets or PII values). */

/** `x-meridian-cost-usd`: plain decimal USD, up to 10 places (sub-micro-dollar local costs), no exponent. */
export function formatUsd(usd: number | undefined): string {
  const s = (usd ?? 0).toFixed(10);
  // Trailing zeros off, one kept after the point (what two regex replaces did, without them).
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48) end--;
  if (s.charCodeAt(end - 1) === 46) end++;
  return end === s.length ? s : s.slice(0, end);
}
