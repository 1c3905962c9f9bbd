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
import { constants as perfConstants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { ConfigError } from '../errors.js';
import { onWorkerOnline } from '../util/worker.js';

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
/** Set while the young generation is capped: see capYoungGeneration. */
let afterWorkerOnline: (() => void) | undefined;
onWorkerOnline(() => {
  if (heldYoungGeneration) setFlagsFromString('--semi-space-growth-factor=1');
  else afterWorkerOnline?.();
});

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

/**
 * How large `meridian serve` lets each of the young generation's two semi-spaces grow (MB). V8's
 * own maximum is 16 MB: under load the young generation commits 32 MB that a full collection
 * does not give back, ~15-20 MB of the gateway's peak RSS (docs/performance.md, "Memory"). 4 MB
 * also lowers the peaks with the request log on and under streaming (by 10-20 MB against 8 MB);
 * GC pauses measured ~4% more time than uncapped, and end to end CPU per request showed no cost
 * in three alternating runs against 8 MB.
 * Node's `--max-semi-space-size` would cap it but cannot be set from inside the process (V8
 * reads it when the heap is made); the growth factor can, so capYoungGeneration sets it.
 *
 * `MERIDIAN_MAX_SEMI_SPACE_MB=N` overrides it (0 keeps V8's maximum); a `--max-semi-space-size`
 * or a growth factor given to node (command line or NODE_OPTIONS) wins over both.
 */
export const DEFAULT_MAX_SEMI_SPACE_MB = 4;
const MAX_SEMI_SPACE_FLAGS = ['--max-semi-space-size', '--max_semi_space_size'];
const CAP_ERROR = "MERIDIAN_MAX_SEMI_SPACE_MB must be a whole number from 0 to 64 (0 keeps V8's maximum).";

/** The cap in MB, or undefined to leave the young generation's growth to V8. */
export function maxSemiSpaceMb(env: NodeJS.ProcessEnv, execArgv: readonly string[]): number | undefined {
  if (semiSpaceGrowthGiven(env, execArgv)) return undefined;
  if ([...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => MAX_SEMI_SPACE_FLAGS.some((f) => a.startsWith(f))))
    return undefined;
  const raw = env.MERIDIAN_MAX_SEMI_SPACE_MB;
  if (raw === undefined || raw === '') return DEFAULT_MAX_SEMI_SPACE_MB;
  if (!/^\d{1,2}$/.test(raw.trim())) throw new ConfigError(CAP_ERROR);
  const mb = Number(raw.trim());
  if (mb > 64) throw new ConfigError(CAP_ERROR);
  return mb === 0 ? undefined : mb;
}

/**
 * The growth factor that keeps the semi-spaces within `capMb`: the one that takes them straight to
 * the cap in V8's next growth step (V8 multiplies their size by it), 1 once they are there. One
 * step, not doublings: small semi-spaces fill in a few collections, and this check runs only
 * after V8 reports one, a turn or two of the event loop later; by then, under load, doublings
 * would have gone past the cap. `newSpaceBytes` is both semi-spaces (new_space's space_size).
 */
export function semiSpaceGrowthFactor(newSpaceBytes: number, capMb: number): number {
  const ratio = Math.floor((capMb * 2 * 1048576) / Math.max(newSpaceBytes, 1));
  return ratio <= 1 ? 1 : 2 ** Math.floor(Math.log2(ratio));
}

let capObserver: PerformanceObserver | undefined;

/**
 * Keeps the young generation's semi-spaces at or below maxSemiSpaceMb. The factor is set again
 * after every collection V8 reports and whenever a worker thread comes online: starting a worker
 * makes V8 put the growth factor back to at least 2 (checked on Node 20: the young generation then
 * grows to 32 MB within seconds), and an idle young generation that V8 shrank must be able to grow
 * again under the next load. For `meridian serve`, after releaseYoungGeneration; returns the cap,
 * or undefined when there is none. Not for the library (it leaves V8 alone).
 */
export function capYoungGeneration(
  env: NodeJS.ProcessEnv = process.env,
  execArgv: readonly string[] = process.execArgv,
): number | undefined {
  const capMb = maxSemiSpaceMb(env, execArgv);
  if (capMb === undefined || capObserver || heldYoungGeneration) return undefined;
  // After a scavenge (traffic) the factor that reaches the cap; after anything else 1. At idle
  // the first full collection would otherwise grow the young generation to the cap at once: the
  // objects that survived start-up count towards V8's growth test (+8 MB RSS in an idle gateway).
  let traffic = false;
  // Set every time, not only on a change: a worker may have reset the flag since (2.6 µs a call).
  const check = () => {
    const space = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    if (space) setFlagsFromString(`--semi-space-growth-factor=${traffic ? semiSpaceGrowthFactor(space.space_size, capMb) : 1}`);
  };
  capObserver = new PerformanceObserver((list) => {
    const entries = list.getEntries();
    const last = entries[entries.length - 1] as (PerformanceEntry & { detail?: { kind?: number } }) | undefined;
    traffic = last?.detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MINOR;
    check();
  });
  capObserver.observe({ entryTypes: ['gc'] });
  afterWorkerOnline = check;
  check();
  return capMb;
}

/** Ends capYoungGeneration (tests); V8's factor is put back. */
export function uncapYoungGeneration(): void {
  if (!capObserver) return;
  capObserver.disconnect();
  capObserver = undefined;
  afterWorkerOnline = undefined;
  setFlagsFromString(`--semi-space-growth-factor=${V8_SEMI_SPACE_GROWTH_FACTOR}`);
}
