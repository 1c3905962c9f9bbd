/**
 * A private `redis-server` for tests that stop and restart Redis (never the machine's shared one
 * on 6379): no persistence, on a port that was free, started and stopped by the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from './gateway-harness.js';

export interface PrivateRedis {
  port: number;
  url: string;
  /** Starts the server (again) on the same port; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Kills the server (SIGKILL: an outage, not a shutdown) and waits for it to exit. */
  kill(): Promise<void>;
}

export async function privateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      const c = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = c;
      let out = '';
      await new Promise<void>((resolve, reject) => {
        const onData = (b: Buffer): void => {
          out += b.toString();
          if (out.includes('Ready to accept connections')) {
            c.stdout?.off('data', onData);
            c.stdout?.resume();
            resolve();
          }
        };
        c.stdout?.on('data', onData);
        c.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready:\n${out}`)));
        c.once('error', reject);
      });
    },
    async kill() {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null) return;
      const exited = once(c, 'exit');
      c.kill('SIGKILL');
      await exited;
    },
  };
}

/** Polls `cond` until it holds (every 20 ms, at most `timeoutMs`); fails with `what` otherwise. */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
