/**
 * Small HTTP helpers for node:http: body reading with a size limit, JSON replies, and the one
 * place that renders any failure as the OpenAI error envelope.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidRequestError, PayloadTooLargeError, toMeridianError, type MeridianError } from '../errors.js';

/** Reads the whole body (event-based: cheaper than async iteration on the hot path). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(new PayloadTooLargeError(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.resume();
        reject(new PayloadTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.once('error', reject);
  });
}

export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const body = await readBody(req, limit);
  if (body.length === 0) throw new InvalidRequestError('The request body is empty; send a JSON object.');
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    // V8's parse message quotes the body (which may hold personal data): say where, never what.
    const at = /position (\d+)/.exec((err as Error).message)?.[1];
    throw new InvalidRequestError(`The request body is not valid JSON${at !== undefined ? ` (error at position ${at})` : ''}.`);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  sendBytes(res, status, Buffer.from(JSON.stringify(body)), headers);
}

export function sendBytes(res: ServerResponse, status: number, body: Buffer, headers?: Record<string, string>): void {
  if (headers) for (const k in headers) res.setHeader(k, headers[k]!);
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-length', body.length);
  res.statusCode = status;
  res.end(body);
}

/** The one error renderer: status, `Retry-After`, extra headers and the OpenAI error envelope. */
export function sendError(res: ServerResponse, err: unknown): MeridianError {
  return sendErrorAs(res, err, (e) => e.toJSON());
}

/** The same, with another wire format's error body (Anthropic's at /v1/messages). */
export function sendErrorAs(res: ServerResponse, err: unknown, body: (e: MeridianError) => unknown): MeridianError {
  const e = toMeridianError(err);
  if (res.headersSent) {
    res.destroy();
    return e;
  }
  const headers: Record<string, string> = { ...e.headers };
  if (e.retryAfter !== undefined) headers['retry-after'] = String(Math.ceil(e.retryAfter));
  sendJson(res, e.status, body(e), headers);
  return e;
}
