/**
 * `meridian mock`'s speech to text: `POST /v1/audio/transcriptions|translations` in OpenAI's
 * multipart form (https://platform.openai.com/docs/api-reference/audio/createTranscription) and
 * whisper.cpp's `POST /inference`, answered from the engine's deterministic transcript
 * (`endpoint: audio` rules). The body is already read (bounded by MAX_BODY_BYTES).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import busboy from 'busboy';
import type { MockEngine } from './engine.js';
import { HttpError, sendJson } from './http-util.js';

interface Form {
  fields: Record<string, string>;
  filename?: string;
}

function parseForm(req: IncomingMessage, raw: Buffer): Promise<Form> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { files: 1, fields: 50 } });
    } catch {
      reject(new HttpError(400, 'Send multipart/form-data with a boundary.'));
      return;
    }
    const form: Form = { fields: Object.create(null) as Record<string, string> };
    bb.on('field', (name, value) => (form.fields[name] = value));
    bb.on('file', (_name, stream, info) => {
      form.filename = info.filename ?? 'audio';
      stream.on('error', () => undefined); // reported by busboy's own 'error'
      stream.resume();
    });
    bb.on('error', () => reject(new HttpError(400, 'The multipart body is malformed.')));
    bb.on('close', () => resolve(form));
    bb.end(raw);
  });
}

async function transcribe(engine: MockEngine, req: IncomingMessage, raw: Buffer, res: ServerResponse, native: boolean): Promise<void> {
  const form = await parseForm(req, raw);
  if (!form.filename) throw new HttpError(400, "The form has no 'file' part.");
  const plan = engine.transcribe({ model: form.fields.model ?? 'mock-whisper', filename: form.filename });
  if (plan.kind === 'error') {
    sendJson(res, plan.status, { error: { message: plan.message, type: plan.type, code: plan.code } });
    return;
  }
  if (plan.kind !== 'transcription') {
    res.socket?.destroy();
    return;
  }
  const format = form.fields.response_format ?? 'json';
  if (format === 'text') {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`${plan.text}\n`);
    return;
  }
  if (format === 'verbose_json') {
    const task = native ? (form.fields.translate === 'true' ? 'translate' : 'transcribe') : 'transcribe';
    sendJson(res, 200, { task, language: form.fields.language ?? 'en', text: plan.text, segments: [] });
    return;
  }
  sendJson(res, 200, { text: plan.text });
}

export function openaiTranscriptions(engine: MockEngine, raw: Buffer, req: IncomingMessage, res: ServerResponse): Promise<void> {
  return transcribe(engine, req, raw, res, false);
}

export function whisperInference(engine: MockEngine, raw: Buffer, req: IncomingMessage, res: ServerResponse): Promise<void> {
  return transcribe(engine, req, raw, res, true);
}
