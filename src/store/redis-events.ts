/**
 * Cross-replica notifications over Redis pub/sub (scaled out): e.g. "prompt X changed", so every
 * replica drops its cached resolution at once instead of waiting for its TTL. A subscriber needs a
 * connection of its own, opened on the first subscribe; ioredis re-subscribes after a reconnect.
 * Messages published while a replica is disconnected are lost: callers keep a TTL as the bound.
 */
import type { Redis } from 'ioredis';

export type EventHandler = (message: string) => void;

export class RedisEvents {
  private subscriber: Redis | undefined;
  private readonly handlers = new Map<string, Set<EventHandler>>();
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly onError: (err: unknown, context: string) => void,
  ) {}

  async publish(channel: string, message: string): Promise<void> {
    await this.redis.publish(this.prefix + channel, message);
  }

  /** Resolves once Redis confirmed the subscription; the returned function unsubscribes the handler. */
  async subscribe(channel: string, handler: EventHandler): Promise<() => void> {
    const sub = await this.connectSubscriber();
    const full = this.prefix + channel;
    let set = this.handlers.get(full);
    if (!set) {
      set = new Set();
      this.handlers.set(full, set);
      await sub.subscribe(full);
    }
    set.add(handler);
    return () => set.delete(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    const sub = this.subscriber;
    this.subscriber = undefined;
    if (sub) await (sub.status === 'ready' ? sub.quit().then(() => undefined) : Promise.resolve(sub.disconnect()));
  }

  private async connectSubscriber(): Promise<Redis> {
    if (this.closed) throw new Error('the store is closed');
    if (this.subscriber) return this.subscriber;
    const sub = this.redis.duplicate();
    this.subscriber = sub;
    sub.on('error', (err: unknown) => this.onError(err, 'redis subscriber error'));
    sub.on('message', (channel: string, message: string) => {
      for (const h of this.handlers.get(channel) ?? []) {
        try {
          h(message);
        } catch (err) {
          this.onError(err, 'event handler failed');
        }
      }
    });
    if (sub.status === 'wait') await sub.connect();
    return sub;
  }
}
