/**
 * `meridian rag ingest PATH --collection NAME`: posts every .txt/.md file under PATH to a running
 * gateway (`POST /v1/rag/collections/{c}/documents`, master key). The document id is the file's
 * path relative to PATH; the gateway skips a file whose text is unchanged (content hash), so a
 * second run only re-embeds what changed. A file that fails is reported and the rest still ingest.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, relative, sep } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../errors.js';
import { checkBaseUrl } from '../eval/cli.js';
import { DEFAULT_BASE_URL } from '../eval/gateway-client.js';

const EXTENSIONS = new Set(['.md', '.markdown', '.txt']);

export interface IngestOptions {
  collection: string;
  /** The gateway's `/v1` URL. */
  baseUrl: string;
  masterKey: string;
  out: (line: string) => void;
}

export interface IngestSummary {
  ingested: number;
  unchanged: number;
  failed: number;
}

/** Some files failed (exit 1); the others were ingested. */
export class IngestFailedError extends Error {
  override readonly name = 'IngestFailedError';
}

/** .txt/.md files under `root` (or `root` itself), sorted; hidden entries and node_modules skipped. */
export function documentFiles(root: string): string[] {
  if (!statSync(root).isDirectory()) return [root];
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && EXTENSIONS.has(extname(e.name).toLowerCase())) out.push(p);
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

export async function ingestPath(root: string, opts: IngestOptions): Promise<IngestSummary> {
  const summary: IngestSummary = { ingested: 0, unchanged: 0, failed: 0 };
  const url = `${opts.baseUrl.replace(/\/+$/, '')}/rag/collections/${encodeURIComponent(opts.collection)}/documents`;
  for (const file of documentFiles(root)) {
    const id = documentIdOf(root, file);
    try {
      const text = readFileSync(file, 'utf8');
      const res = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${opts.masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id, text, metadata: { path: id } }),
      });
      const body = (await res.json().catch(() => ({}))) as { unchanged?: boolean; chunks?: number; error?: { message?: string } };
      if (res.status !== 200) throw new Error(`${res.status} ${body.error?.message ?? 'error'}`);
      if (body.unchanged) summary.unchanged++;
      else summary.ingested++;
      opts.out(body.unchanged ? `unchanged ${id}` : `ingested  ${id} (${body.chunks} chunks)`);
    } catch (err) {
      summary.failed++;
      opts.out(`failed    ${id}: ${(err as Error).message}`);
    }
  }
  opts.out(`${summary.ingested} ingested, ${summary.unchanged} unchanged, ${summary.failed} failed`);
  return summary;
}

export function registerRagCommands(program: Command, env: NodeJS.ProcessEnv = process.env): void {
  const rag = program.command('rag').description('retrieval collections (docs/rag.md)');
  rag
    .command('ingest <path>')
    .description('ingest .txt/.md files (a file or a folder) into a collection of a running gateway; unchanged files are skipped')
    .requiredOption('--collection <name>', 'the collection (create it with POST /v1/rag/collections)')
    .option('--base-url <url>', `the gateway (default $MERIDIAN_BASE_URL or ${DEFAULT_BASE_URL})`)
    .action(async (path: string, o: { collection: string; baseUrl?: string }) => {
      const masterKey = env.MERIDIAN_MASTER_KEY;
      if (!masterKey) throw new ConfigError('meridian rag ingest needs MERIDIAN_MASTER_KEY (writes need the master key).');
      const baseUrl = checkBaseUrl(o.baseUrl ?? env.MERIDIAN_BASE_URL ?? DEFAULT_BASE_URL);
      const s = await ingestPath(path, { collection: o.collection, baseUrl, masterKey, out: (l) => process.stdout.write(`${l}\n`) });
      if (s.failed) throw new IngestFailedError(`${s.failed} file(s) failed; the others were ingested.`);
    });
}
