/** The `x-meridian-pii` response header: counts by type, never values. */

/** `{ email: 1, phone: 2 }` → `email=1,phone=2` (sorted by type; zero counts left out). */
export function formatPiiHeader(counts: Record<string, number>): string {
  return Object.keys(counts)
    .filter((type) => (counts[type] ?? 0) > 0)
    .sort()
    .map((type) => `${type}=${counts[type]}`)
    .join(',');
}
