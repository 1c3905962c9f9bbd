/** Small node:http helpers shared by the mock server's surfaces. */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const MAX_BODY_BYTES = 20 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'Request body too large for the mock.');
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

export function parseJsonBody(raw: Buffer): any {
  if (raw.length === 0) return {};
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HttpError(400, 'Request body is not valid JSON.');
  }
}

/** An error the mock answers with, in the wire format of the surface that caught it. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = status === 404 ? 'not_found_error' : status >= 500 ? 'server_error' : 'invalid_request_error',
    readonly code = status === 404 ? 'not_found' : 'invalid_request',
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/** Fires when the client goes away, so delays and hangs stop early. */
export function clientGone(req: IncomingMessage, res: ServerResponse): AbortSignal {
  const ctl = new AbortController();
  res.on('close', () => ctl.abort());
  req.on('aborted', () => ctl.abort());
  return ctl.signal;
}

/** Writes a chunk and waits for the socket to drain when it is backed up. */
export async function write(res: ServerResponse, text: string | Uint8Array): Promise<void> {
  if (!res.write(text)) await new Promise<void>((resolve) => res.once('drain', () => resolve()));
}
