/** IpcPeer: calls over a channel pair, errors carried back, and no caller left waiting on a closed channel. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { IpcCallError, IpcClosedError, IpcPeer, type IpcChannel } from '../../src/util/ipc-peer.js';

/** Two connected ends; messages are structured-cloned and delivered on a later tick, as node IPC does. */
function channelPair(): { a: IpcChannel & EventEmitter; b: IpcChannel & EventEmitter; cut: () => void } {
  let open = true;
  const a = new EventEmitter() as IpcChannel & EventEmitter;
  const b = new EventEmitter() as IpcChannel & EventEmitter;
  const link = (from: EventEmitter & IpcChannel, to: EventEmitter) => {
    from.send = (m: unknown) => {
      if (!open) throw new Error('ERR_IPC_CHANNEL_CLOSED');
      const copy = structuredClone(m);
      setImmediate(() => to.emit('message', copy));
      return true;
    };
  };
  link(a, b);
  link(b, a);
  return {
    a,
    b,
    cut: () => {
      open = false;
      a.emit('disconnect');
      b.emit('disconnect');
    },
  };
}

describe('IpcPeer', () => {
  it('calls the handler on the other end and matches overlapping replies by id', async () => {
    const { a, b } = channelPair();
    const worker = new IpcPeer(a);
    const primary = new IpcPeer(b);
    let n = 0;
    primary.handle('add', async (x: number, y: number) => {
      n++;
      // The first call answers last: replies must still reach their own callers.
      if (x === 1) await new Promise((r) => setImmediate(r));
      return x + y;
    });
    assert.deepEqual(await Promise.all([worker.call('add', 1, 2), worker.call('add', 10, 20), worker.call('add', 5, 5)]), [3, 30, 10]);
    assert.equal(n, 3);
  });

  it('a failing handler rejects the call with its message, code and the detail the other end describes', async () => {
    const { a, b } = channelPair();
    const worker = new IpcPeer(a);
    const primary = new IpcPeer(b, (err) => ({ rowError: (err as { code?: string }).code === 'SQLITE_CONSTRAINT' }));
    primary.handle('insert', () => {
      throw Object.assign(new Error('refused'), { code: 'SQLITE_CONSTRAINT' });
    });
    await assert.rejects(
      worker.call('insert'),
      (err: unknown) =>
        err instanceof IpcCallError &&
        err.message === 'refused' &&
        err.code === 'SQLITE_CONSTRAINT' &&
        (err.detail as { rowError: boolean }).rowError,
    );
    await assert.rejects(worker.call('nothing-here'), /no handler for nothing-here/);
  });

  it('notifications reach the handler; messages from other users of the channel are ignored', async () => {
    const { a, b } = channelPair();
    const worker = new IpcPeer(a);
    const primary = new IpcPeer(b);
    const got: string[] = [];
    const delivered = new Promise<void>((resolve) =>
      worker.handle('events.deliver', (channel: string, message: string) => {
        got.push(`${channel}:${message}`);
        resolve();
      }),
    );
    b.send({ type: 'prom-client:getMetricsReq', requestId: 1 });
    primary.notify('events.deliver', 'keys', 'changed');
    await delivered;
    assert.deepEqual(got, ['keys:changed']);
  });

  it('a closed channel fails the calls waiting on it and every later call', async () => {
    const { a, b, cut } = channelPair();
    const worker = new IpcPeer(a);
    const primary = new IpcPeer(b);
    primary.handle('never', () => new Promise(() => undefined));
    const waiting = worker.call('never');
    cut();
    await assert.rejects(waiting, IpcClosedError);
    await assert.rejects(worker.call('never'), IpcClosedError);
  });
});
