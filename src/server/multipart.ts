/**
 * `multipart/form-data` bodies (RFC 7578) read with busboy, streamed: the one file part is kept
 * only up to `maxFileBytes` (past it the upload stops with 413, nothing more is buffered), text
 * fields are bounded in size and number, and a form cut short, a second file or a missing file
 * part is a 400 in the OpenAI error shape.
 */
import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import { InvalidRequestError, PayloadTooLargeError } from '../errors.js';

export interface UploadedFile {
  /** The form field that carried it (`file`). */
  field: string;
  data: Buffer;
  filename: string;
  contentType: string;
}

export interface MultipartForm {
  /** Text fields; a repeated name (`timestamp_granularities[]`) keeps every value in order. */
  fields: Map<string, string[]>;
  file?: UploadedFile;
}

export interface MultipartLimits {
  maxFileBytes: number;
  /** Longest text field value (bytes). */
  maxFieldBytes?: number;
  /** Text fields at most. */
  maxFields?: number;
}

const DEFAULT_FIELD_BYTES = 64 * 1024;
const DEFAULT_FIELDS = 50;

export function isMultipart(req: IncomingMessage): boolean {
  return (req.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data');
}

/** Reads the whole form; rejects with a MeridianError and drains the rest of the request. */
export function readMultipart(req: IncomingMessage, limits: MultipartLimits): Promise<MultipartForm> {
  if (!isMultipart(req)) {
    return Promise.reject(
      new InvalidRequestError('Send the audio as "Content-Type: multipart/form-data" with a "file" part.', null, 'invalid_content_type'),
    );
  }
  // The whole body cannot legitimately exceed the file limit by more than the fields can add.
  const fieldBytes = limits.maxFieldBytes ?? DEFAULT_FIELD_BYTES;
  const maxFields = limits.maxFields ?? DEFAULT_FIELDS;
  const declared = Number(req.headers['content-length']);
  if (declared > limits.maxFileBytes + maxFields * (fieldBytes + 512) + 4096) {
    req.resume();
    return Promise.reject(new PayloadTooLargeError(limits.maxFileBytes));
  }
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        limits: { fileSize: limits.maxFileBytes, files: 1, fields: maxFields, fieldSize: fieldBytes, parts: maxFields + 1 },
      });
    } catch {
      // A multipart content type with no boundary.
      req.resume();
      reject(new InvalidRequestError('The multipart/form-data body has no boundary in its Content-Type.', null, 'invalid_multipart'));
      return;
    }
    const fields = new Map<string, string[]>();
    let file: UploadedFile | undefined;
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      req.unpipe(bb);
      // Drain what the client still sends so it reads our answer instead of a reset.
      req.resume();
      reject(err);
    };

    bb.on('field', (rawName: string | undefined, value, info) => {
      // A part with no name (`form-data;` alone) is kept under '' so the parser can refuse it.
      const name = rawName ?? '';
      if (info.valueTruncated) return fail(new InvalidRequestError(`A form field is longer than ${fieldBytes} bytes.`, null));
      const list = fields.get(name);
      if (list) list.push(value);
      else fields.set(name, [value]);
    });
    bb.on('file', (rawName: string | undefined, stream, info) => {
      const name = rawName ?? '';
      if (file) {
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      // A form cut short errors the open file stream too; busboy's own 'error' reports it once.
      stream.on('error', () => undefined);
      stream.on('data', (c: Buffer) => {
        size += c.length;
        chunks.push(c);
      });
      stream.on('limit', () => {
        chunks.length = 0;
        fail(new PayloadTooLargeError(limits.maxFileBytes));
        stream.resume();
      });
      stream.on('end', () => {
        if (settled) return;
        file = { field: name, data: Buffer.concat(chunks, size), filename: info.filename ?? 'audio', contentType: info.mimeType };
      });
    });
    bb.on('filesLimit', () => fail(new InvalidRequestError('Send one file per request.', 'file', 'too_many_files')));
    bb.on('fieldsLimit', () => fail(new InvalidRequestError(`The form has more than ${maxFields} fields.`, null, 'too_many_fields')));
    bb.on('partsLimit', () => fail(new InvalidRequestError(`The form has more than ${maxFields + 1} parts.`, null, 'too_many_fields')));
    bb.on('error', () =>
      fail(new InvalidRequestError('The multipart/form-data body is malformed or was cut short.', null, 'invalid_multipart')),
    );
    bb.on('close', () => {
      if (settled) return;
      settled = true;
      resolve(file ? { fields, file } : { fields });
    });
    req.on('error', (err) => fail(err));
    req.on('aborted', () => fail(new InvalidRequestError('The upload was cut short.', null, 'invalid_multipart')));
    req.pipe(bb);
  });
}
