/**
 * A `multipart/form-data` request body (RFC 7578) built in one Buffer: the audio is already
 * bounded by `audio.maxBytes`, and a Buffer body lets the router retry or fall back without
 * re-reading anything. Field names and the filename are ours or sanitized (no quotes, no CR/LF).
 */
import { randomBytes } from 'node:crypto';

export type FormPart = { name: string; value: string } | { name: string; data: Buffer; filename: string; contentType: string };

export function encodeMultipart(parts: readonly FormPart[]): { body: Buffer; contentType: string } {
  const boundary = `----meridian${randomBytes(12).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const name = p.name.replace(/["\r\n]/g, '_');
    if ('value' in p) {
      chunks.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${p.value}\r\n`, 'utf8'));
    } else {
      const filename = p.filename.replace(/["\r\n\\]/g, '_');
      const type = /^[\w.+-]+\/[\w.+-]+$/.test(p.contentType) ? p.contentType : 'application/octet-stream';
      chunks.push(
        Buffer.from(
          `--${boundary}\r\ncontent-disposition: form-data; name="${name}"; filename="${filename}"\r\ncontent-type: ${type}\r\n\r\n`,
        ),
        p.data,
        Buffer.from('\r\n'),
      );
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
