/**
 * The client side of `meridian rag ingest` (docs/rag.md): walks a folder, compares each file's
 * content hash (./hash.ts, the gateway computes the same) with the collection's listing, sends
 * only new and changed files, and removes the documents whose files are gone. A file that fails is
 * reported with the gateway's reason and the rest still ingest.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, relative, sep } from 'node:path';
import { documentHash, type DocumentFormat, type DocumentMetadata } from './hash.js';

export const FORMATS: Readonly<Record<string, DocumentFormat>> = {
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.txt': 'text',
  '.html': 'html',
  '.htm': 'html',
  '.pdf': 'pdf',
};

/** Documents listed per request (the gateway's maximum). */
const LIST_PAGE = 1_000;
/** Larger than any document the gateway accepts (a 20 MiB PDF; 5 M characters of HTML): not read, not sent. */
const MAX_FILE_BYTES = 20 * 1024 * 1024;

export type LineKind = 'ingested' | 'unchanged' | 'removed' | 'failed' | 'summary';

export interface IngestOptions {
  collection: string;
  /** The gateway's `/v1` URL. */
  baseUrl: string;
  masterKey: string;
  /** One line per file, then the summary. */
  out: (line: string, kind: LineKind) => void;
  /** Called before each file and once at the end (done === total). */
  progress?: (done: number, total: number, file: string) => void;
  /** Remove owned documents whose files are gone (default true). */
  prune?: boolean;
  /** Put in front of every document id; only documents under it are pruned. */
  prefix?: string;
}

export interface IngestSummary {
  ingested: number;
  unchanged: number;
  removed: number;
  failed: number;
}

interface RemoteDocument {
  id: string;
  content_hash: string;
  metadata: DocumentMetadata;
}

/** Supported files under `root` (or `root` itself), sorted; hidden entries and node_modules skipped. */
export function documentFiles(root: string): string[] {
  if (!statSync(root).isDirectory()) return [root];
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && Object.hasOwn(FORMATS, extname(e.name).toLowerCase())) out.push(p);
    }
  };
  walk(root);
  return out;
}

/** The id a file gets: its path under the root with `/` separators, other characters as `_`. */
export function documentIdOf(root: string, file: string): string {
  const rel = file === root ? basename(file) : relative(root, file).split(sep).join('/');
  return rel.replace(/[^A-Za-z0-9._:/@-]/g, '_');
}

class GatewayClient {
  private readonly api: string;
  constructor(private readonly opts: IngestOptions) {
    this.api = `${opts.baseUrl.replace(/\/+$/, '')}/rag/collections/${encodeURIComponent(opts.collection)}/documents`;
  }

  private async call(method: string, url: string, body?: unknown): Promise<Record<string, unknown>> {
    const res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${this.opts.masterKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown> & { error?: { message?: string } };
    if (res.status !== 200) throw new Error(`${res.status} ${json.error?.message ?? res.statusText}`);
    return json;
  }

  /** Every document of the collection, page by page. */
  async list(): Promise<Map<string, RemoteDocument>> {
    const docs = new Map<string, RemoteDocument>();
    let after = '';
    for (;;) {
      const page = await this.call('GET', `${this.api}?limit=${LIST_PAGE}${after ? `&after=${encodeURIComponent(after)}` : ''}`);
      for (const d of page.data as RemoteDocument[]) docs.set(d.id, d);
      if (!page.has_more || typeof page.last_id !== 'string') return docs;
      after = page.last_id;
    }
  }

  send(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.call('POST', this.api, body);
  }

  remove(id: string): Promise<Record<string, unknown>> {
    return this.call('DELETE', `${this.api}/${encodeURIComponent(id)}`);
  }
}

export async function ingestPath(root: string, opts: IngestOptions): Promise<IngestSummary> {
  const summary: IngestSummary = { ingested: 0, unchanged: 0, removed: 0, failed: 0 };
  const prefix = opts.prefix ?? '';
  const files = documentFiles(root);
  const client = new GatewayClient(opts);
  let remote: Map<string, RemoteDocument>;
  try {
    remote = await client.list();
  } catch (err) {
    throw new Error(`cannot list collection ${opts.collection}: ${(err as Error).message}`);
  }
  const seen = new Set<string>();
  for (const [i, file] of files.entries()) {
    const id = prefix + documentIdOf(root, file);
    opts.progress?.(i, files.length, id);
    try {
      if (seen.has(id)) throw new Error('another file maps to the same document id (rename one)');
      seen.add(id);
      const format = FORMATS[extname(file).toLowerCase()] ?? 'text';
      if (statSync(file).size > MAX_FILE_BYTES) throw new Error(`the file is larger than ${MAX_FILE_BYTES} bytes, the gateway's bound`);
      const metadata = { path: id };
      const source = format === 'pdf' ? readFileSync(file) : readFileSync(file, 'utf8');
      if (remote.get(id)?.content_hash === documentHash(format, source, metadata)) {
        summary.unchanged++;
        opts.out(`unchanged ${id}`, 'unchanged');
        continue;
      }
      const content = typeof source === 'string' ? { text: source } : { data: source.toString('base64') };
      const res = await client.send({ id, format, ...content, metadata });
      const pages = typeof res.pages === 'number' ? `, ${res.pages} pages` : '';
      summary.ingested++;
      opts.out(`ingested  ${id} (${String(res.chunks ?? 0)} chunks${pages})`, 'ingested');
    } catch (err) {
      summary.failed++;
      opts.out(`failed    ${id}: ${(err as Error).message}`, 'failed');
    }
  }
  // Only a folder prunes, and never from an empty listing of files: a mistyped path must not empty a collection.
  if (opts.prune !== false && files.length > 0 && !(files.length === 1 && files[0] === root)) {
    for (const d of remote.values()) {
      // Owned: ingested by this command (it sets `path`) under this prefix. Other writers' documents stay.
      if (seen.has(d.id) || typeof d.metadata.path !== 'string' || !d.id.startsWith(prefix)) continue;
      try {
        await client.remove(d.id);
        summary.removed++;
        opts.out(`removed   ${d.id}`, 'removed');
      } catch (err) {
        summary.failed++;
        opts.out(`failed    ${d.id}: not removed: ${(err as Error).message}`, 'failed');
      }
    }
  }
  opts.progress?.(files.length, files.length, '');
  opts.out(`${summary.ingested} ingested, ${summary.unchanged} unchanged, ${summary.removed} removed, ${summary.failed} failed`, 'summary');
  return summary;
}
