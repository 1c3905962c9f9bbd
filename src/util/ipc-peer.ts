/**
 * Request/reply and one-way messages over a node IPC channel (a cluster worker's `process`, or
 * the primary's `Worker` object). Both ends are the same class: each can call the other and
 * handle calls. Messages carry a tag so other users of the channel (node:cluster itself,
 * prom-client) are left alone. Replies are matched by id, so calls may overlap; a channel that
 * closes fails every call still waiting, so no caller hangs on a dead process.
 */

/** The part of `process` (in a worker) and of cluster's `Worker` (in the primary) used here. */
export interface IpcChannel {
  send(message: unknown): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'disconnect', listener: () => void): unknown;
}

/** A failure the other end reported: its message and, when it had one, a code. */
export class IpcCallError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    /** Handler-defined facts about the failure (e.g. whether a database refused a row's content). */
    readonly detail: unknown,
  ) {
    super(message);
    this.name = 'IpcCallError';
  }
}

/** The channel is gone (the other process exited) or was never there. */
export class IpcClosedError extends Error {
  constructor() {
    super('the other process is gone (IPC channel closed)');
    this.name = 'IpcClosedError';
  }
}

const TAG = 'meridian:ipc';

type Wire =
  | { tag: typeof TAG; kind: 'call'; id: number; method: string; args: unknown[] }
  | { tag: typeof TAG; kind: 'reply'; id: number; value?: unknown; error?: { message: string; code?: string; detail?: unknown } }
  | { tag: typeof TAG; kind: 'notify'; method: string; args: unknown[] };

/** Parameters are whatever the caller sent (structured-cloned); each handler names the types it expects. */
export type IpcHandler = (...args: never[]) => unknown;
type Invoke = (...args: unknown[]) => unknown;

export class IpcPeer {
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private readonly handlers = new Map<string, IpcHandler>();
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly channel: IpcChannel,
    /** What a failed handler tells the caller beside its message (called with the thrown error). */
    private readonly describe: (err: unknown) => unknown = () => undefined,
  ) {
    channel.on('message', (m) => this.receive(m));
    channel.on('disconnect', () => this.close());
  }

  /** Calls `method` on the other end; resolves with what its handler returned. */
  call(method: string, ...args: unknown[]): Promise<unknown> {
    if (this.closed) return Promise.reject(new IpcClosedError());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (!this.post({ tag: TAG, kind: 'call', id, method, args })) {
        this.pending.delete(id);
        reject(new IpcClosedError());
      }
    });
  }

  /** Sends a one-way message (no reply; lost when the channel is gone). */
  notify(method: string, ...args: unknown[]): void {
    if (!this.closed) this.post({ tag: TAG, kind: 'notify', method, args });
  }

  /** Handles `method` from the other end (calls and notifications); a later handler replaces an earlier one. */
  handle(method: string, handler: IpcHandler): this {
    this.handlers.set(method, handler);
    return this;
  }

  /** Fails every waiting call; later calls fail at once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new IpcClosedError());
    this.pending.clear();
  }

  private post(message: Wire): boolean {
    try {
      this.channel.send(message);
      return true;
    } catch {
      // send() throws synchronously once the channel is closed (ERR_IPC_CHANNEL_CLOSED).
      this.close();
      return false;
    }
  }

  private receive(raw: unknown): void {
    const m = raw as Wire | null;
    if (typeof m !== 'object' || m === null || m.tag !== TAG) return;
    if (m.kind === 'reply') {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(new IpcCallError(m.error.message, m.error.code, m.error.detail));
      else p.resolve(m.value);
      return;
    }
    const handler = this.handlers.get(m.method);
    if (m.kind === 'notify') {
      if (handler)
        void Promise.resolve()
          .then(() => (handler as Invoke)(...m.args))
          .catch(() => undefined);
      return;
    }
    const id = m.id;
    if (!handler) {
      this.post({ tag: TAG, kind: 'reply', id, error: { message: `no handler for ${m.method}` } });
      return;
    }
    Promise.resolve()
      .then(() => (handler as Invoke)(...m.args))
      .then(
        (value) => this.post({ tag: TAG, kind: 'reply', id, value }),
        (err: unknown) => {
          const e = err as { message?: unknown; code?: unknown } | null;
          this.post({
            tag: TAG,
            kind: 'reply',
            id,
            error: {
              message: typeof e?.message === 'string' ? e.message : String(err),
              ...(typeof e?.code === 'string' ? { code: e.code } : {}),
              detail: this.describe(err),
            },
          });
        },
      );
  }
}
