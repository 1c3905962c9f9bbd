/**
 * How fast V8 lets the old generation grow between full collections, set by `meridian serve`.
 * Under load the gateway promotes many short-lived request objects; with V8's own factor (up to
 * 4×) the old space fills with that garbage to ~100 MB before a full GC, so peak RSS is ~50 MB
 * above what it needs. A 20% step keeps peak RSS ~155 MB instead of ~205 MB for a few percent more
 * CPU (docs/performance.md, "Memory"). It is a growth rate, not a cap: a gateway that needs more
 * heap still gets it, where `--max-old-space-size` would end in "heap out of memory".
 *
 * `MERIDIAN_HEAP_GROWING_PERCENT=N` overrides it (0 keeps V8's default); a `--heap-growing-percent`
 * given to node itself (command line or NODE_OPTIONS) wins over both.
 */
import { setFlagsFromString } from 'node:v8';
import { ConfigError } from '../errors.js';

export const DEFAULT_HEAP_GROWING_PERCENT = 20;
const FLAG = '--heap-growing-percent';

/** The V8 flag to set, or undefined to leave V8 alone. */
export function heapGrowingFlag(env: NodeJS.ProcessEnv, execArgv: readonly string[]): string | undefined {
  const fromNode = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].some(
    (a) => a.startsWith(FLAG) || a.startsWith('--heap_growing_percent'),
  );
  if (fromNode) return undefined;
  const raw = env.MERIDIAN_HEAP_GROWING_PERCENT;
  let percent = DEFAULT_HEAP_GROWING_PERCENT;
  if (raw !== undefined && raw !== '') {
    if (!/^\d{1,3}$/.test(raw.trim()))
      throw new ConfigError("MERIDIAN_HEAP_GROWING_PERCENT must be a whole number from 0 to 400 (0 keeps V8's default).");
    percent = Number(raw.trim());
    if (percent > 400) throw new ConfigError("MERIDIAN_HEAP_GROWING_PERCENT must be a whole number from 0 to 400 (0 keeps V8's default).");
  }
  return percent === 0 ? undefined : `${FLAG}=${percent}`;
}

/** Node's own growth-factor flag wins: the start-up hold and its release set that factor. */
const GROWTH_FACTOR_FLAGS = ['--semi-space-growth-factor', '--semi_space_growth_factor'];
/** V8's own `--semi-space-growth-factor` (11.x and later), put back once start-up is over. */
const V8_SEMI_SPACE_GROWTH_FACTOR = 2;

/**
 * Whether node was given a semi-space growth factor of its own (command line or NODE_OPTIONS): then
 * V8 is left alone. Size flags (`--max-semi-space-size`, `--min-semi-space-size`) go with the hold:
 * it only stops growth during start-up, and a cap stays a cap (docs/deploy.md, "Memory").
 */
export function semiSpaceGrowthGiven(env: NodeJS.ProcessEnv, execArgv: readonly string[]): boolean {
  return [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => GROWTH_FACTOR_FLAGS.some((f) => a.startsWith(f)));
}

let heldYoungGeneration = false;

/**
 * Keeps V8's young generation at its initial size while the process starts: loading modules and
 * building the services allocates tens of MB of mostly long-lived objects, and each scavenge that
 * sees them survive grows the semi-spaces, so a gateway that has not served a request yet holds
 * 16–28 MB of committed, empty young generation (docs/performance.md, "Memory"). With the growth
 * factor at 1 the semi-spaces stay at their initial 1 MB during start-up; releaseYoungGeneration
 * puts V8's factor back, and under traffic the young generation grows to its usual size within the
 * first requests. V8 reads the factor each time it considers growing the new space, so changing it
 * at run time takes effect. Called first thing by the CLI (./main.ts), never by the library.
 */
export function holdYoungGeneration(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): boolean {
  if (heldYoungGeneration || semiSpaceGrowthGiven(env, execArgv)) return false;
  setFlagsFromString('--semi-space-growth-factor=1');
  heldYoungGeneration = true;
  return true;
}

/** Ends holdYoungGeneration's hold (`meridian serve` once it listens, other commands before they run); a no-op without one. */
export function releaseYoungGeneration(): void {
  if (!heldYoungGeneration) return;
  heldYoungGeneration = false;
  setFlagsFromString(`--semi-space-growth-factor=${V8_SEMI_SPACE_GROWTH_FACTOR}`);
}

/** Read by V8 each time it sets the next old-generation limit, so setting it at start-up takes effect. */
export function applyHeapTuning(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): string | undefined {
  const flag = heapGrowingFlag(env, execArgv);
  if (flag) setFlagsFromString(flag);
  return flag;
}
