/** How many worker processes `meridian serve` runs: `--workers`, else `server.workers`, else 1. */
import { availableParallelism } from 'node:os';
import { MAX_WORKERS } from '../config/schema.js';
import { ConfigError } from '../errors.js';

/** `auto` is one worker per CPU the process may use (os.availableParallelism()). */
export function workerCount(flag: string | undefined, configured: number | 'auto', cpus: () => number = availableParallelism): number {
  const value = flag === undefined ? configured : parseFlag(flag, cpus());
  return value === 'auto' ? Math.min(MAX_WORKERS, Math.max(1, cpus())) : value;
}

function parseFlag(flag: string, cpus: number): number | 'auto' {
  const v = flag.trim().toLowerCase();
  if (v === 'auto') return 'auto';
  const n = /^\d{1,4}$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) {
    throw new ConfigError(
      `--workers must be a whole number from 1 to ${MAX_WORKERS}, or "auto" (one per CPU: ${cpus} here), got '${flag.slice(0, 20)}'.`,
    );
  }
  return n;
}
