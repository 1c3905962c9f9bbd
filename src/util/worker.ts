/** Worker threads that run from compiled dist/ and from src/ under tsx alike. */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * The worker file next to the caller: `workerFileUrl(import.meta.url, './log-worker')` is
 * log-worker.ts under tsx (src/*.ts) and log-worker.js compiled (dist/*.js).
 */
export function workerFileUrl(callerUrl: string, relativeBase: string): URL {
  const ext = new URL(callerUrl).pathname.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`${relativeBase}${ext}`, callerUrl);
}

/**
 * Starts the worker. Compiled, it is a plain worker file. From source, the inherited
 * `--import tsx` does not make a worker's entry loadable on Node 20 (tsx issue #354: "Unknown
 * file extension .ts"), so a tiny eval'd entry registers tsx's loader in the worker first (only
 * reachable when running from src/, where tsx is installed) and then imports the .ts file.
 */
export function startWorker(url: URL, workerData?: unknown, options: Omit<WorkerOptions, 'eval' | 'workerData'> = {}): Worker {
  return announced(startWorkerThread(url, workerData, options));
}

const onlineHooks: Array<() => void> = [];

/**
 * Runs `hook` each time a worker started here comes online. Starting a worker makes V8 enforce
 * its flag implications again, which puts the young generation's growth factor back to 2; the
 * CLI's heap tuning (src/cli/heap-tuning.ts) sets its own again here.
 */
export function onWorkerOnline(hook: () => void): void {
  onlineHooks.push(hook);
}

function announced(worker: Worker): Worker {
  if (onlineHooks.length > 0) worker.once('online', () => onlineHooks.forEach((h) => h()));
  return worker;
}

function startWorkerThread(url: URL, workerData: unknown, options: Omit<WorkerOptions, 'eval' | 'workerData'>): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { ...options, workerData });
  // Resolved here, next to this file: the eval'd entry would resolve bare names from the cwd.
  let tsxApi: string | undefined;
  try {
    tsxApi = import.meta.resolve('tsx/esm/api');
  } catch {
    tsxApi = undefined; // some other TypeScript runtime: try the .ts file as it is
  }
  const entry =
    (tsxApi ? `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); }, () => undefined)` : 'Promise.resolve()') +
    `.then(() => import(${JSON.stringify(url.href)}))` +
    // Rethrown outside the promise chain so the worker's 'error' event sees a failed load.
    `.catch((err) => { setImmediate(() => { throw err; }); });`;
  return new Worker(entry, { ...options, eval: true, workerData });
}
