/**
 * Driving `meridian serve --workers N` as a user runs it, for the worker tests (SQLite in
 * test/integration, PostgreSQL + Redis in test/cluster): one request per connection (so the
 * primary's round-robin reaches every worker), the process's output with event-driven waits for
 * its log lines, and readers for the worker header and Prometheus text.
 */
import type { ChildProcess } from 'node:child_process';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

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
