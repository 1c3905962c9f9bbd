/**
 * The bench's child processes (fake upstream, bare proxy, gateway): started with `fork`, ready when
 * they send their first message (port or URL), and asked for CPU time and memory over IPC.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** The gateway runs from dist/ when it is built (as `npm start` does); BENCH_SRC=1 uses src/ via tsx. */
export const fromDist = !process.env.BENCH_SRC && existsSync(here('../../dist/gateway/gateway.js'));
if (!fromDist) process.env.BENCH_SRC = '1';

/** Starts `script` (relative to bench/lib); `--expose-gc` lets `stats(child, true)` measure memory after a collection. */
export function start<T>(
  script: string,
  args: string[] = [],
  stdout: 'inherit' | 'ignore' = 'inherit',
): Promise<{ child: ChildProcess; msg: T }> {
  const execArgv = script.endsWith('.mjs') && (fromDist || !script.includes('gateway-process')) ? [] : ['--import', 'tsx'];
  execArgv.push('--expose-gc');
  // BENCH_PROF_DIR=dir: the gateway writes a V8 CPU profile there when it exits (message `exit`).
  if (process.env.BENCH_PROF_DIR && script.includes('gateway-process'))
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF_DIR}`);
  const child = fork(here(script), args, { execArgv, stdio: ['ignore', stdout, 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (msg) => resolve({ child, msg: msg as T }));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

export interface Stats {
  cpuMicros: number;
  maxRssKb: number;
  mem: NodeJS.MemoryUsage;
}

/** CPU time, peak RSS and memory of a child; `gc` collects first. */
export function stats(child: ChildProcess, gc = false): Promise<Stats> {
  return new Promise((resolve) => {
    child.on('message', function onMsg(m: Stats & { type?: string }) {
      if (m.type === 'stats') {
        child.off('message', onMsg);
        resolve(m);
      }
    });
    child.send({ type: 'stats', gc });
  });
}

/** Ends a gateway process through its own `process.exit` (so a BENCH_PROF_DIR profile is written) and waits for it. */
export function stopGateway(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.connected) child.send({ type: 'exit' });
  else child.kill();
  return exited;
}
