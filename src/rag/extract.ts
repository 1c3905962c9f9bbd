/**
 * A document as `POST /v1/rag/collections/{c}/documents` accepts it, in one of four formats, and
 * the text the chunker gets from it: text and Markdown as sent, HTML converted (./html.ts), PDF
 * extracted page by page (./pdf.ts). Bounds are in RAG_LIMITS and docs/rag.md.
 */
import { z } from 'zod';
import { InvalidRequestError } from '../errors.js';
import type { DocumentFormat, DocumentMetadata } from './hash.js';
import { htmlToText } from './html.js';
import { documentId, documentSchema, metadata, parseWith, RAG_LIMITS } from './index.js';
import { pdfText } from './pdf.js';

export const INGEST_LIMITS = {
  /** Raw HTML; what it converts to is held to RAG_LIMITS.documentChars like any text. */
  htmlChars: 5_000_000,
  pdfBytes: 20 * 1024 * 1024,
  pdfPages: 2_000,
} as const;

/** The base64 of the largest PDF, and room for the id, metadata and JSON around it. */
export const DOCUMENT_BODY_BYTES = Math.ceil(INGEST_LIMITS.pdfBytes / 3) * 4 + 64 * 1024;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

// The text document of ./index.ts, with the formats; strict like it (extend keeps that).
const textDocument = documentSchema.extend({ format: z.enum(['text', 'markdown']).optional() });
const htmlDocument = documentSchema.extend({ format: z.literal('html'), text: z.string().max(INGEST_LIMITS.htmlChars) });
const pdfDocument = z
  .object({
    id: documentId,
    format: z.literal('pdf'),
    data: z
      .string()
      .min(1, 'the PDF is empty')
      .max(Math.ceil(INGEST_LIMITS.pdfBytes / 3) * 4, `a PDF is at most ${INGEST_LIMITS.pdfBytes} bytes`)
      .regex(BASE64, 'data is the PDF in base64'),
    metadata: metadata.optional(),
  })
  .strict();
const formats = z.enum(['text', 'markdown', 'html', 'pdf']);

export interface DocumentInput {
  id: string;
  format: DocumentFormat;
  /** The text as sent (text, Markdown, HTML), or the PDF's bytes. */
  source: string | Uint8Array;
  metadata: DocumentMetadata;
}

/** Validates a request body by its `format` (default `text`); errors name the field, never a value. */
export function parseDocument(body: Record<string, unknown>): DocumentInput {
  const format = body.format === undefined ? 'text' : parseWith(formats, body.format, 'format');
  if (format === 'pdf') {
    const d = parseWith(pdfDocument, body);
    const source = Buffer.from(d.data, 'base64');
    if (source.length > INGEST_LIMITS.pdfBytes)
      throw new InvalidRequestError(`Invalid 'data': a PDF is at most ${INGEST_LIMITS.pdfBytes} bytes`, 'data');
    return { id: d.id, format, source, metadata: d.metadata ?? {} };
  }
  const d = format === 'html' ? parseWith(htmlDocument, body) : parseWith(textDocument, body);
  return { id: d.id, format, source: d.text, metadata: d.metadata ?? {} };
}

/** The document's text for the chunker; a file that cannot be read is a 400 `unreadable_document`. */
export async function extractText(doc: DocumentInput, signal?: AbortSignal): Promise<{ text: string; pages?: number }> {
  if (typeof doc.source !== 'string') {
    return pdfText(doc.source, { maxPages: INGEST_LIMITS.pdfPages, maxChars: RAG_LIMITS.documentChars }, signal);
  }
  if (doc.format !== 'html') return { text: doc.source };
  const text = await htmlToText(doc.source);
  if (text.length > RAG_LIMITS.documentChars) {
    throw new InvalidRequestError(`The HTML's text exceeds ${RAG_LIMITS.documentChars} characters.`, 'text', 'document_too_large');
  }
  return { text };
}
