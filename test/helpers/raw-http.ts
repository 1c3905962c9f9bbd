/** Low-level HTTP for server tests: raw sockets (timeouts) and requests with any Host/Origin header. */
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface RawSocket {
  socket: Socket;
  /** Everything the server sent so far. */
  received(): string;
  /** Resolves when the server (or an error) closes the connection. */
  closed: Promise<void>;
  /** Resolves once the server has sent at least one full response with a body containing `marker`. */
  waitFor(marker: string): Promise<void>;
}

/** Opens a TCP connection to `url`'s host and port; resolves once connected. */
export async function openSocket(url: string): Promise<RawSocket> {
  const u = new URL(url);
  const socket = connect({ host: u.hostname, port: Number(u.port) });
  let data = '';
  const waiters: Array<{ marker: string; resolve: () => void }> = [];
  socket.on('data', (b: Buffer) => {
    data += b.toString('latin1');
    for (const w of waiters.filter((w) => data.includes(w.marker))) w.resolve();
  });
  socket.on('error', () => undefined); // a refused/reset connection shows up as 'close'
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('close', () => reject(new Error('closed before connecting')));
  });
  return {
    socket,
    received: () => data,
    closed,
    waitFor: (marker) => (data.includes(marker) ? Promise.resolve() : new Promise((resolve) => waiters.push({ marker, resolve }))),
  };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): any;
}

/** One request with exactly the headers given (fetch would refuse to set `Host`). */
export function send(
  url: string,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: Number(u.port),
        method: opts.method ?? 'GET',
        path: opts.path,
        headers: { ...(opts.body !== undefined ? { 'content-length': String(Buffer.byteLength(opts.body)) } : {}), ...opts.headers },
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}
