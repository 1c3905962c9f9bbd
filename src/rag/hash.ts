/**
 * The content hash of an ingested document, computed the same way by the gateway (over the request
 * it received) and by `meridian rag ingest` (over the file it would send), so the client can skip
 * an unchanged file without sending it. It covers the source as sent (a PDF's bytes, not the text
 * extracted from them, so an unchanged PDF is never parsed again), its format and its metadata.
 */
import { createHash } from 'node:crypto';

export type DocumentFormat = 'text' | 'markdown' | 'html' | 'pdf';
export type DocumentMetadata = Record<string, string | number | boolean>;

/** Bump when the extraction or chunking of a format changes meaning: every document is then re-ingested once. */
const HASH_VERSION = 'meridian-rag-1';

export function documentHash(format: DocumentFormat, source: string | Uint8Array, metadata: DocumentMetadata): string {
  // Keys sorted: the same pairs hash the same whatever order a client wrote them in.
  const meta = Object.fromEntries(Object.entries(metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return createHash('sha256')
    .update(`${HASH_VERSION}\u0000${format}\u0000${JSON.stringify(meta)}\u0000`)
    .update(source)
    .digest('hex');
}
