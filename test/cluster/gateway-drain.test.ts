/**
 * SIGTERM of one of two replicas under load: it stops accepting (new connections are refused, a
 * request arriving on a busy keep-alive connection gets 503 `shutting_down`), finishes every
 * request in flight (plain and streamed, against a slow upstream), writes all of them to the
 * request log in PostgreSQL, and exits 0, while the other replica keeps serving.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { sendJson, sendSse, startUpstream, type FakeUpstream } from '../helpers/upstream.js';
import { chat, startCluster, type Cluster } from './gateway-harness.js';

const SLOW_MS = 1_500;

function completion(content: string) {
  return {
    id: `chatcmpl-${randomBytes(4).toString('hex')}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: 'm',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
  };
}

function chunk(delta: Record<string, unknown>, finish: string | null = null) {
  return {
    id: 'chatcmpl-s',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta, finish_reason: finish }],
  };
}

/** Sends `first` on a fresh socket, waits for `beforeSecond`, then sends `second` on the same socket; returns all bytes read until the server closes it. */
function twoOnOneConnection(port: number, first: string, beforeSecond: Promise<unknown>, second: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (d: Buffer) => (data += d.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve(data));
    socket.write(first);
    void beforeSecond.then(() => socket.write(second));
  });
}

/** A chat request on its own connection (`Connection: close`): the socket closes as soon as the response ends. */
function chatOwnConnection(port: number, requestId: string, content: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ model: 'chat', messages: [{ role: 'user', content }] });
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/chat/completions',
        agent: false,
        headers: { 'content-type': 'application/json', 'x-request-id': requestId },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function rawChat(requestId: string, content: string): string {
  const body = JSON.stringify({ model: 'chat', messages: [{ role: 'user', content }] });
  return `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nx-request-id: ${requestId}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

describe('SIGTERM of one replica under load', () => {
  let upstream: FakeUpstream;
  let cluster: Cluster;

  before(async () => {
    upstream = await startUpstream(async (req, res) => {
      if (req.method === 'GET')
        return sendJson(res, 200, { object: 'list', data: [{ id: 'm', object: 'model', created: 0, owned_by: 'test' }] });
      const content = String(req.json?.messages?.[0]?.content ?? '');
      if (!content.startsWith('slow')) return sendJson(res, 200, completion('fast'));
      if (req.json?.stream) {
        const words = ['one ', 'two ', 'three ', 'four ', 'five'];
        return sendSse(
          res,
          [chunk({ role: 'assistant', content: '' }), ...words.map((w) => chunk({ content: w })), chunk({}, 'stop'), '[DONE]'],
          SLOW_MS / words.length,
        );
      }
      await new Promise((r) => setTimeout(r, SLOW_MS));
      sendJson(res, 200, completion('slow answer'));
    });
    // A budget makes every request settle in Redis after its response is sent: the drain must
    // wait for that, and for the log append after it, not just for the sockets to close.
    cluster = await startCluster(upstream.url, 2, { budgets: [{ scope: 'global', period: 'day', tokens: 100_000_000, mode: 'hard' }] });
  });

  after(async () => {
    await cluster?.destroy();
    await upstream?.close();
  });

  it('drains in-flight requests and streams, logs every accepted request, refuses new ones, exits 0', async () => {
    const [a, b] = cluster.replicas as [NonNullable<Cluster['replicas'][0]>, NonNullable<Cluster['replicas'][0]>];
    const run = randomBytes(3).toString('hex');
    const id = (kind: string, i: number) => `drain-${run}-${kind}-${i}`;

    // Answered before SIGTERM, with various statuses.
    const early = await Promise.all([
      ...Array.from({ length: 5 }, (_, i) => chat(a.url, { requestId: id('fast', i), content: 'fast' })),
      ...Array.from({ length: 3 }, (_, i) => chat(a.url, { requestId: id('unknown', i), model: 'no-such-alias' })),
    ]);
    assert.deepEqual(
      early.map((r) => r.status),
      [200, 200, 200, 200, 200, 404, 404, 404],
    );

    // In flight at SIGTERM: plain and streamed requests on A, and load on B as well.
    const slowA = Array.from({ length: 20 }, (_, i) => chat(a.url, { requestId: id('slow', i), content: 'slow please' }));
    const streamA = Array.from({ length: 10 }, (_, i) => chat(a.url, { requestId: id('stream', i), content: 'slow stream', stream: true }));
    const closeA = Array.from({ length: 10 }, (_, i) => chatOwnConnection(a.port, id('close', i), 'slow, connection close'));
    const slowB = Array.from({ length: 10 }, (_, i) => chat(b.url, { requestId: id('b', i), content: 'slow on b' }));
    let sigterm!: () => void;
    const sigtermSent = new Promise<void>((r) => (sigterm = r));
    const raw = twoOnOneConnection(
      a.port,
      rawChat(id('raw', 0), 'slow raw'),
      sigtermSent.then(() => new Promise((r) => setTimeout(r, 200))),
      'GET /readyz HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n',
    );

    const inFlight = 20 + 10 + 10 + 10 + 1;
    const deadline = Date.now() + 10_000;
    while (upstream.requests.filter((r) => String(r.json?.messages?.[0]?.content ?? '').startsWith('slow')).length < inFlight) {
      assert.ok(Date.now() < deadline, 'all slow requests reached the upstream');
      await new Promise((r) => setTimeout(r, 20));
    }

    a.child.kill('SIGTERM');
    const sigtermAt = Date.now();
    sigterm();
    await new Promise((r) => setTimeout(r, 100));
    // A new connection while draining is refused (the listener is closed).
    await assert.rejects(fetch(`${a.url}/healthz`), 'new connections are refused while draining');

    const [slowRes, streamRes, closeRes, bRes, rawText] = await Promise.all([
      Promise.all(slowA),
      Promise.all(streamA),
      Promise.all(closeA),
      Promise.all(slowB),
      raw,
    ]);
    assert.ok(
      closeRes.every((r) => r.status === 200),
      `own-connection: ${closeRes.map((r) => r.status)}`,
    );
    assert.ok(
      slowRes.every((r) => r.status === 200 && r.body.includes('slow answer')),
      `slow: ${slowRes.map((r) => r.status)}`,
    );
    for (const r of streamRes) {
      assert.equal(r.status, 200);
      assert.ok(r.body.includes('five') && r.body.trimEnd().endsWith('data: [DONE]'), `stream finished cleanly: ${r.body.slice(-200)}`);
    }
    assert.ok(bRes.every((r) => r.status === 200));
    // The in-flight request on the kept-alive connection finished; the one sent after SIGTERM was refused.
    const responses = rawText.split(/(?=HTTP\/1\.1 )/);
    assert.equal(responses.length, 2, rawText);
    assert.match(responses[0]!, /^HTTP\/1\.1 200/);
    assert.match(responses[1]!, /^HTTP\/1\.1 503/);
    assert.match(responses[1]!, /shutting_down/);
    assert.match(responses[1]!, /connection: close/i);

    assert.equal(await a.exited, 0, `replica A exit code; output:\n${a.output().slice(-2000)}`);
    // It exits once its requests are done, without sitting out the grace period on idle keep-alive sockets.
    const drainMs = Date.now() - sigtermAt;
    assert.ok(drainMs < SLOW_MS + 4_000, `drained in ${drainMs} ms`);

    // Every request A accepted is in PostgreSQL with the status its client saw.
    const expected = new Map<string, number>([
      ...Array.from({ length: 5 }, (_, i) => [id('fast', i), 200] as const),
      ...Array.from({ length: 3 }, (_, i) => [id('unknown', i), 404] as const),
      ...Array.from({ length: 20 }, (_, i) => [id('slow', i), 200] as const),
      ...Array.from({ length: 10 }, (_, i) => [id('stream', i), 200] as const),
      ...Array.from({ length: 10 }, (_, i) => [id('close', i), 200] as const),
      [id('raw', 0), 200],
    ]);
    const db = new pg.Client({ connectionString: cluster.postgresUrl });
    await db.connect();
    try {
      const res = await db.query('SELECT client_request_id AS id, status, stream FROM request_log WHERE client_request_id = ANY($1)', [
        [...expected.keys()],
      ]);
      const found = new Map(res.rows.map((r: { id: string; status: number }) => [r.id, Number(r.status)]));
      const missing = [...expected.keys()].filter((k) => !found.has(k));
      assert.deepEqual(missing, [], 'no accepted request is missing from the log');
      for (const [k, status] of expected) assert.equal(found.get(k), status, k);
      assert.equal(res.rows.filter((r: { stream: boolean }) => r.stream).length, 10);
    } finally {
      await db.end();
    }

    // B kept serving throughout and still does.
    assert.equal((await chat(b.url, { content: 'fast' })).status, 200);
  });

  it('a replica whose clients close their connections still logs every request before it exits', async () => {
    // No keep-alive socket holds the server open here: the sockets close as soon as the responses
    // end, while the handlers still settle the budget and append to the log.
    const b = cluster.replicas[1]!;
    const run = randomBytes(3).toString('hex');
    const ids = Array.from({ length: 20 }, (_, i) => `drain-${run}-own-${i}`);
    const pending = ids.map((rid) => chatOwnConnection(b.port, rid, 'slow, own connection'));
    const deadline = Date.now() + 10_000;
    while (upstream.requests.filter((r) => String(r.json?.messages?.[0]?.content ?? '') === 'slow, own connection').length < ids.length) {
      assert.ok(Date.now() < deadline, 'all requests reached the upstream');
      await new Promise((r) => setTimeout(r, 20));
    }
    b.child.kill('SIGTERM');
    const results = await Promise.all(pending);
    assert.ok(
      results.every((r) => r.status === 200),
      `statuses: ${results.map((r) => r.status)}`,
    );
    assert.equal(await b.exited, 0, `replica B exit code; output:\n${b.output().slice(-2000)}`);

    const db = new pg.Client({ connectionString: cluster.postgresUrl });
    await db.connect();
    try {
      const res = await db.query('SELECT client_request_id AS id FROM request_log WHERE client_request_id = ANY($1)', [ids]);
      const found = new Set(res.rows.map((r: { id: string }) => r.id));
      assert.deepEqual(
        ids.filter((x) => !found.has(x)),
        [],
        'no request is missing from the log',
      );
    } finally {
      await db.end();
    }
  });
});
