/**
 * Audio test helpers: the WAV fixtures (made by test/fixtures/audio/make-fixtures.mjs), a form
 * encoder for hand-built uploads, a reader for the multipart bodies fake upstreams receive, and
 * fake upstreams for OpenAI's `/v1/audio/transcriptions` and whisper.cpp's `/inference`.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import busboy from 'busboy';

const dir = new URL('../fixtures/audio/', import.meta.url);
export const fixture = (name: string): Buffer => readFileSync(new URL(name, dir));

export type Part = { name: string; value: string } | { name: string; data: Buffer; filename: string; type?: string };

/** A multipart body with a fixed boundary (what the client would send). */
export function form(parts: Part[], boundary = 'test-boundary-7f3a'): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    if ('value' in p) chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"\r\n\r\n${p.value}\r\n`));
    else {
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"; filename="${p.filename}"\r\nContent-Type: ${p.type ?? 'audio/wav'}\r\n\r\n`,
        ),
        p.data,
        Buffer.from('\r\n'),
      );
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

export interface ReceivedForm {
  path: string;
  headers: IncomingMessage['headers'];
  fields: Record<string, string[]>;
  file?: { filename: string; type: string; bytes: number };
}

function readForm(req: IncomingMessage): Promise<ReceivedForm> {
  return new Promise((resolve, reject) => {
    const out: ReceivedForm = { path: req.url ?? '/', headers: req.headers, fields: {} };
    const bb = busboy({ headers: req.headers });
    bb.on('field', (n, v) => (out.fields[n] ??= []).push(v));
    bb.on('file', (_n, s, info) => {
      let bytes = 0;
      s.on('error', () => undefined);
      s.on('data', (c: Buffer) => (bytes += c.length));
      s.on('end', () => (out.file = { filename: info.filename ?? '', type: info.mimeType, bytes }));
    });
    bb.on('close', () => resolve(out));
    bb.on('error', reject);
    req.pipe(bb);
  });
}

export interface FakeAudioUpstream {
  url: string;
  received: ReceivedForm[];
  /** Answer for the next requests (status + JSON body); default: the format's success. */
  fail(status: number | undefined): void;
  /** `stream=true` answers stop after the first delta, without `transcript.text.done`. */
  truncateStreams(on: boolean): void;
  close(): Promise<void>;
}

/**
 * `openai`: https://platform.openai.com/docs/api-reference/audio/createTranscription — `json`
 * → `{text}`, `verbose_json` → `{task, language, duration, text, segments}`.
 * `whisper`: whisper.cpp server.cpp — `verbose_json` with the same fields; errors `{"error": "…"}`.
 */
export async function startAudioUpstream(kind: 'openai' | 'whisper', text: string): Promise<FakeAudioUpstream> {
  const received: ReceivedForm[] = [];
  let failStatus: number | undefined;
  let truncate = false;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void readForm(req).then(
      (f) => {
        received.push(f);
        const send = (status: number, body: unknown): void => {
          const s = JSON.stringify(body);
          res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s) });
          res.end(s);
        };
        if (failStatus)
          return send(failStatus, kind === 'openai' ? { error: { message: 'upstream down', type: 'server_error' } } : { error: 'failed' });
        const wantPath = kind === 'openai' ? /^\/v1\/audio\/(transcriptions|translations)$/ : /^\/inference$/;
        if (!wantPath.test(f.path) || !f.file) return send(400, { error: { message: 'bad request', type: 'invalid_request_error' } });
        if (kind === 'openai' && f.fields.stream?.[0] === 'true') {
          // https://platform.openai.com/docs/api-reference/audio/transcript-text-delta-event and -done-event
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          const words = text.match(/\s*\S+/g) ?? [];
          for (const w of truncate ? words.slice(0, 1) : words) {
            res.write(`event: transcript.text.delta\ndata: ${JSON.stringify({ type: 'transcript.text.delta', delta: w })}\n\n`);
          }
          if (!truncate) res.write(`event: transcript.text.done\ndata: ${JSON.stringify({ type: 'transcript.text.done', text })}\n\n`);
          return res.end();
        }
        const verbose = (f.fields.response_format?.[0] ?? 'json') === 'verbose_json';
        if (!verbose) return send(200, { text });
        send(200, {
          task: f.path.endsWith('translations') || f.fields.translate?.[0] === 'true' ? 'translate' : 'transcribe',
          language: f.fields.language?.[0] ?? 'english',
          duration: 3,
          text,
          segments: [
            { id: 0, seek: 0, start: 0, end: 1.5, text: ` ${text.split(' ').slice(0, 2).join(' ')}`, tokens: [1], temperature: 0 },
            { id: 1, seek: 0, start: 1.5, end: 3, text: ` ${text.split(' ').slice(2).join(' ')}`, tokens: [2], temperature: 0 },
          ],
        });
      },
      () => res.destroy(),
    ); // the gateway gave up mid-upload (client gone)
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    fail: (s) => (failStatus = s),
    truncateStreams: (on) => (truncate = on),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
