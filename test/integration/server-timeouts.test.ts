/**
 * Slow and idle clients cannot hold sockets forever (issue #10, item 5): trickled headers,
 * trickled bodies, silent and idle keep-alive connections are closed after the configured
 * `server.*TimeoutMs`, and connections beyond `server.maxConnections` are closed at once.
 * A streamed response that outlives the request timeout is not cut.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestContext } from '../../src/gateway/context.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { openSocket } from '../helpers/raw-http.js';

const server = { headersTimeoutMs: 200, requestTimeoutMs: 400, keepAliveTimeoutMs: 200 };

describe('server timeouts and connection limit', { timeout: 15_000 }, () => {
  let gw: RunningGateway;
  let releaseStream: () => void = () => undefined;
  const streamReleased = new Promise<void>((resolve) => (releaseStream = resolve));

  before(async () => {
    gw = await startGateway(
      { server, log: { level: 'silent' } },
      {
        // A long streamed answer: first chunk now, the rest when the test says so.
        routes: () =>
          new Map([
            [
              'GET /test/stream',
              {
                access: 'public' as const,
                handler: async (_g: unknown, ctx: RequestContext) => {
                  ctx.res.writeHead(200, { 'content-type': 'text/plain' });
                  ctx.res.write('first-part;');
                  await streamReleased;
                  ctx.res.end('last-part');
                },
              },
            ],
          ]),
      },
    );
  });
  after(() => gw.close());

  it('closes a connection that trickles its headers, within the headers timeout', async () => {
    const s = await openSocket(gw.url);
    const started = performance.now();
    s.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    // Keep sending a byte of a never-ending header: slowloris.
    const trickle = setInterval(() => s.socket.writable && s.socket.write('X'), 20);
    s.socket.write('X-Slow: ');
    await s.closed;
    clearInterval(trickle);
    assert.match(s.received(), /^HTTP\/1\.1 408/, 'the server answered 408 and closed');
    assert.ok(performance.now() - started < 5_000, 'closed long before any default timeout');
  });

  it('closes a connection that never sends a byte', async () => {
    const s = await openSocket(gw.url);
    await s.closed;
    assert.doesNotMatch(s.received(), /200 OK/);
  });

  it('closes a connection that trickles its body, within the request timeout', async () => {
    const s = await openSocket(gw.url);
    s.socket.write(
      'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"model":',
    );
    const trickle = setInterval(() => s.socket.writable && s.socket.write(' '), 20);
    await s.closed;
    clearInterval(trickle);
    assert.doesNotMatch(s.received(), /HTTP\/1\.1 200/);
  });

  it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
    const s = await openSocket(gw.url);
    s.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
    await s.waitFor('"status":"ok"');
    await s.closed;
    assert.match(s.received(), /^HTTP\/1\.1 200/);
  });

  it('does not cut a streamed response that lasts longer than the request timeout', async () => {
    const stream = await openSocket(gw.url);
    stream.socket.write('GET /test/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await stream.waitFor('first-part;');
    // A slow body sent after the stream started is cut by the request timeout, so once it is
    // closed the stream has been open for longer than that timeout.
    const slow = await openSocket(gw.url);
    slow.socket.write(
      'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{',
    );
    await slow.closed;
    releaseStream();
    await stream.waitFor('last-part');
    assert.match(stream.received(), /first-part;[\s\S]*last-part/);
  });
});

describe('server.maxConnections', { timeout: 15_000 }, () => {
  let gw: RunningGateway;
  // Long timeouts: the held connections must stay open for the whole test.
  before(async () => (gw = await startGateway({ server: { maxConnections: 2 }, log: { level: 'silent' } })));
  after(() => gw.close());

  it('closes connections beyond server.maxConnections and keeps serving the others', async () => {
    const held = await Promise.all([openSocket(gw.url), openSocket(gw.url)]);
    // A request answered on each proves the server accepted (and counts) both.
    for (const h of held) {
      h.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      await h.waitFor('"status":"ok"');
    }
    const extra = await openSocket(gw.url);
    extra.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await extra.closed;
    assert.equal(extra.received(), '', 'the extra connection got no answer');
    held[0]!.socket.write('GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await held[0]!.waitFor('"status":"ready"');
    for (const h of held) h.socket.destroy();
  });
});
