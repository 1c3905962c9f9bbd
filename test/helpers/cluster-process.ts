/**
 * Driving `meridian serve --workers N` as a user runs it, for the worker tests (SQLite in
 * test/integration, PostgreSQL + Redis in test/cluster): one request per connection (so the
 * primary's round-robin reaches every worker), the process's output with event-driven waits for
 * its log lines, and readers for the worker header and Prometheus text.
 */
import type { ChildProcess } from 'node:child_process';
import { request as httpRequest, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { sendJson } from './upstream.js';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request on a connection of its own (no keep-alive pool). */
export function send(url: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}${path}`,
      { method, agent: false, headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Output of a child process, with a wait for a pattern in what it writes after a point (event-driven). */
export function watch(child: ChildProcess) {
  let out = '';
  let waiters: Array<{ re: RegExp; from: number; resolve: (m: RegExpMatchArray) => void; reject: (e: Error) => void }> = [];
  const check = () => {
    waiters = waiters.filter((w) => {
      const m = out.slice(w.from).match(w.re);
      if (m) w.resolve(m);
      return !m;
    });
  };
  child.stdout!.on('data', (b: Buffer) => ((out += b.toString()), check()));
  child.stderr!.on('data', (b: Buffer) => ((out += b.toString()), check()));
  child.once('exit', (code, signal) => {
    for (const w of waiters) w.reject(new Error(`exited (${code ?? signal}) before printing ${w.re}: ${out}`));
    waiters = [];
  });
  return {
    output: () => out,
    waitFor: (re: RegExp, from = 0) =>
      new Promise<RegExpMatchArray>((resolve, reject) => {
        waiters.push({ re, from, resolve, reject });
        check();
      }),
  };
}

/** Workers that answered, from the x-meridian-worker header. */
export const workersOf = (replies: Reply[]) => new Set(replies.map((r) => r.headers['x-meridian-worker']));

/** Sum of a counter's samples whose labels contain every `match`. */
export function metricSum(text: string, name: string, match: string[]): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && match.every((m) => l.includes(m)))
    .reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

/**
 * Chat completions held upstream until a burst has every request accounted for (arrived upstream
 * or refused by the gateway), then answered with `max_tokens` completion tokens: the budget tests'
 * way to have all requests in flight at once without waiting on time.
 */
export function heldCompletions() {
  const held: Array<() => void> = [];
  let settle: () => void = () => {};
  return {
    /** The upstream handler's part for one non-streaming request. */
    async answer(req: { json: { model: string; max_tokens: number } }, res: ServerResponse): Promise<void> {
      await new Promise<void>((r) => {
        held.push(r);
        settle();
      });
      sendJson(res, 200, {
        id: 'chatcmpl-w',
        object: 'chat.completion',
        created: 1,
        model: req.json.model,
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'length' }],
        usage: { prompt_tokens: 8, completion_tokens: req.json.max_tokens, total_tokens: 8 + req.json.max_tokens },
      });
    },
    /** Fires `fired` identical requests at once; the held ones are released when none is unaccounted for. */
    async burst(url: string, body: unknown, headers: Record<string, string>, fired: number): Promise<Reply[]> {
      let refused = 0;
      settle = () => {
        if (held.length + refused === fired) for (const release of held.splice(0)) release();
      };
      return Promise.all(
        Array.from({ length: fired }, () =>
          send(url, 'POST', '/v1/chat/completions', body, headers).then((r) => {
            if (r.status !== 200) refused++;
            settle();
            return r;
          }),
        ),
      );
    },
  };
}

/** "Hi" to the `chat` alias with an API key, on a connection of its own. */
export const sayHi = (url: string, key: string): Promise<Reply> =>
  send(
    url,
    'POST',
    '/v1/chat/completions',
    { model: 'chat', messages: [{ role: 'user', content: 'Hi' }] },
    { authorization: `Bearer ${key}` },
  );

/**
 * A key made and used on both workers (each caches it), then revoked through one: the replies
 * before and after, for the caller's assertions.
 */
export async function revokeAcrossWorkers(url: string, master: string): Promise<{ before: Reply[]; after: Reply[] }> {
  const admin = { authorization: `Bearer ${master}` };
  const made = await send(url, 'POST', '/admin/keys', { tenant: 'short-lived' }, admin);
  const { key, id } = JSON.parse(made.body) as { key: string; id: string };
  const chat = () => sayHi(url, key);
  const before = await Promise.all(Array.from({ length: 4 }, chat));
  const revoked = await send(url, 'POST', '/admin/keys/revoke', { id }, admin);
  if (revoked.status !== 200) throw new Error(`revoke failed: ${revoked.status} ${revoked.body}`);
  return { before, after: await Promise.all(Array.from({ length: 4 }, chat)) };
}
