/**
 * The gateway's side of one embedded model: a child process running `engine-child.ts`, started on
 * the first request, and a bounded FIFO of requests in front of it.
 *
 * - The file is checked (`gguf-header.ts`) before the child sees it; loading runs in the child
 *   under a timeout, so a hostile or truncated file gives an error, never a hung or dead gateway.
 * - At most `parallel` requests run in the child; up to `maxQueue` more wait here (their number is
 *   the engine's `waiting`, read by the router's health monitor for overflow); beyond that a
 *   request is refused at once with a 429 (busy, not broken), so the router moves on to the next deployment.
 * - A failed load is remembered for RETRY_LOAD_MS (requests fail fast instead of each reloading);
 *   a child that dies while serving fails its requests and is started again by the next one.
 * - The child is unreferenced while idle, so it never keeps a CLI process (e.g. `meridian bench`)
 *   alive, and it exits when the gateway's IPC channel closes.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineState } from '../spec.js';
import { readGgufInfo, type GgufInfo } from './gguf-header.js';
import { resolveOllamaModel } from './ollama-store.js';
import type { ChatJob, FromChild, LoadedInfo, ToChild } from './protocol.js';
import type { EmbeddedSettings } from './settings.js';

export const RETRY_LOAD_MS = 30_000;

/** Why a request could not run; the adapter turns it into the right MeridianError. */
export class EngineFailure extends Error {
  constructor(
    message: string,
    readonly kind: 'load' | 'crash' | 'queue-full' | 'bad-request' | 'failed',
  ) {
    super(message);
  }
}

/** Messages for one request, in order; `next()` waits for the next one. */
export class Exchange implements AsyncIterable<FromChild> {
  private readonly buffered: FromChild[] = [];
  private wake: (() => void) | undefined;
  private failure: Error | undefined;
  ended = false;

  constructor(
    readonly id: number,
    private readonly onCancel: () => void,
  ) {}

  push(msg: FromChild): void {
    this.buffered.push(msg);
    this.wake?.();
  }

  fail(err: Error): void {
    this.failure = err;
    this.wake?.();
  }

  /** Stops generation in the child; its slot is freed when the child confirms. */
  cancel(): void {
    if (!this.ended) this.onCancel();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<FromChild> {
    for (;;) {
      const msg = this.buffered.shift();
      if (msg) {
        yield msg;
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}

interface Waiter {
  grant: () => void;
  reject: (err: Error) => void;
}

/** Only loader flags reach the child (tsx in tests); --inspect or test-runner flags would break it. */
function childExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (/^--(import|require|loader|experimental-loader)=/.test(a)) out.push(a);
    else if (/^(--import|--require|--loader|--experimental-loader|-r)$/.test(a) && argv[i + 1] !== undefined) out.push(a, argv[++i]!);
  }
  return out;
}

const CHILD_MODULE = fileURLToPath(new URL(`./engine-child${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

export class EmbeddedEngine {
  private child: ChildProcess | undefined;
  private loading: Promise<void> | undefined;
  private loadFailure: { error: EngineFailure; at: number } | undefined;
  private info: LoadedInfo | undefined;
  private header: GgufInfo | undefined;
  private readonly waiting: Waiter[] = [];
  private readonly exchanges = new Map<number, Exchange>();
  private running = 0;
  private nextId = 1;
  private stderrTail = '';
  private idleWaiters: Array<() => void> = [];
  /** Finished generations by how they ended, and the tokens they produced (for status and tests). */
  readonly stats = { stop: 0, length: 0, functionCalls: 0, abort: 0, completionTokens: 0 };

  constructor(readonly settings: EmbeddedSettings) {}

  /** Requests waiting, requests running, and whether the model is in memory. */
  state(): EngineState {
    return { ...(this.info ? {} : { loadedModels: [] }), waiting: this.waiting.length, running: this.running };
  }

  /** The engine process, while one runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get loadedInfo(): LoadedInfo | undefined {
    return this.info;
  }

  /** Resolves the model path and checks the file's header (cheap: metadata only). */
  async inspect(): Promise<GgufInfo & { path: string }> {
    const path = this.settings.model.startsWith('ollama:')
      ? await resolveOllamaModel(this.settings.model.slice('ollama:'.length))
      : this.settings.model;
    try {
      this.header = await readGgufInfo(path);
    } catch (err) {
      throw new EngineFailure(`model file ${path}: ${(err as Error).message}`, 'load');
    }
    return { ...this.header, path };
  }

  /** The last load error, while it is still remembered. */
  failed(): EngineFailure | undefined {
    if (this.loadFailure && Date.now() - this.loadFailure.at < RETRY_LOAD_MS) return this.loadFailure.error;
    return undefined;
  }

  async chat(job: ChatJob, stream: boolean, signal: AbortSignal): Promise<Exchange> {
    return this.start(signal, (id) => ({ type: 'chat', id, job, stream }));
  }

  async embed(inputs: string[], signal: AbortSignal): Promise<Exchange> {
    return this.start(signal, (id) => ({ type: 'embed', id, inputs }));
  }

  /** Resolves once nothing runs or waits (e.g. after a cancelled request's generation stopped). */
  whenIdle(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops the child (tests, shutdown); requests in flight fail. */
  close(): void {
    this.child?.kill('SIGKILL');
  }

  private async start(signal: AbortSignal, message: (id: number) => ToChild): Promise<Exchange> {
    const failure = this.failed();
    if (failure) throw failure;
    // Free slots (all of them while the model loads) take requests beyond the queue's bound.
    const free = Math.max(0, this.settings.parallel - this.running);
    if (this.waiting.length >= this.settings.maxQueue + free) {
      throw new EngineFailure(
        `the embedded engine is busy: ${this.running} running, ${this.waiting.length} waiting (maxQueue ${this.settings.maxQueue})`,
        'queue-full',
      );
    }
    await this.takeSlot(signal);
    const child = this.child;
    if (!child?.connected) {
      // The process died between granting the slot and now; onExit already reset the counts.
      throw new EngineFailure('the engine process exited', 'crash');
    }
    const id = this.nextId++;
    const exchange = new Exchange(id, () => {
      if (child.connected) child.send({ type: 'cancel', id } satisfies ToChild);
    });
    this.exchanges.set(id, exchange);
    child.send(message(id));
    return exchange;
  }

  private takeSlot(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        this.idleCheck();
        reject(signal.reason);
      };
      const waiter: Waiter = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (err) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      if (signal.aborted) return reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
      this.ref();
      if (!this.info) void this.load();
      this.pump();
    });
  }

  private pump(): void {
    while (this.info && this.running < this.settings.parallel && this.waiting.length > 0) {
      this.running++;
      this.waiting.shift()!.grant();
    }
  }

  private load(): Promise<void> {
    this.loading ??= this.doLoad()
      .catch((err: unknown) => {
        const error = err instanceof EngineFailure ? err : new EngineFailure(String((err as Error)?.message ?? err), 'load');
        this.loadFailure = { error, at: Date.now() };
        for (const w of this.waiting.splice(0)) w.reject(error);
        this.idleCheck();
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  private async doLoad(): Promise<void> {
    const { path } = await this.inspect();
    const child = fork(CHILD_MODULE, [], {
      execArgv: childExecArgv(),
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.child = child;
    this.stderrTail = '';
    child.stderr?.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString('utf8')).slice(-2000);
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new EngineFailure(`loading ${path} took longer than ${this.settings.loadTimeoutMs} ms; the loader was stopped`, 'load'));
      }, this.settings.loadTimeoutMs);
      child.on('message', (msg: FromChild) => {
        if (msg.type === 'loaded') {
          clearTimeout(timer);
          this.info = msg.info;
          this.loadFailure = undefined;
          resolve();
          this.pump();
          this.idleCheck();
        } else if (msg.type === 'load-error') {
          clearTimeout(timer);
          child.kill('SIGKILL');
          reject(new EngineFailure(`llama.cpp could not load ${path}: ${msg.message}`, 'load'));
        } else {
          this.route(msg);
        }
      });
      child.on('exit', (code, sig) => {
        clearTimeout(timer);
        const why = `the engine process exited (${sig ?? `code ${code}`})${this.lastStderrLine()}`;
        if (!this.info) reject(new EngineFailure(`loading ${path} failed: ${why}`, 'load'));
        this.onExit(child, why);
      });
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(new EngineFailure(`cannot start the engine process: ${err.message}`, 'load'));
      });
      child.send({
        type: 'load',
        settings: {
          modelPath: path,
          ...(this.settings.contextSize !== undefined ? { contextSize: this.settings.contextSize } : {}),
          threads: this.settings.threads,
          gpuLayers: this.settings.gpuLayers,
          parallel: this.settings.parallel,
        },
      } satisfies ToChild);
    });
  }

  private lastStderrLine(): string {
    const line = this.stderrTail.trim().split('\n').at(-1)?.trim();
    return line ? `: ${line.slice(0, 300)}` : '';
  }

  private onExit(child: ChildProcess, why: string): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.info = undefined;
    const err = new EngineFailure(why, 'crash');
    for (const ex of this.exchanges.values()) {
      ex.ended = true;
      ex.fail(err);
    }
    this.exchanges.clear();
    this.running = 0;
    // Requests still waiting start a new child (a crash while serving is not a bad file).
    if (this.waiting.length > 0) void this.load();
    this.idleCheck();
  }

  private route(msg: FromChild): void {
    if (!('id' in msg)) return;
    const ex = this.exchanges.get(msg.id);
    if (!ex) return;
    if (msg.type === 'done') {
      this.stats[msg.stopReason]++;
      this.stats.completionTokens += msg.completionTokens;
    }
    if (msg.type !== 'text') {
      ex.ended = true;
      this.exchanges.delete(msg.id);
      this.running--;
      this.pump();
      this.idleCheck();
    }
    ex.push(msg);
  }

  private ref(): void {
    this.child?.ref();
    (this.child?.channel as { ref?: () => void } | undefined)?.ref?.();
    (this.child?.stderr as { ref?: () => void } | null | undefined)?.ref?.();
  }

  /** Idle: nothing running, waiting or loading — the child must not keep the process alive. */
  private idleCheck(): void {
    if (this.running > 0 || this.waiting.length > 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
    this.child?.unref();
    (this.child?.channel as { unref?: () => void } | undefined)?.unref?.();
    (this.child?.stderr as { unref?: () => void } | null | undefined)?.unref?.();
  }
}
