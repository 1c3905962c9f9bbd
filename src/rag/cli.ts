/**
 * `meridian rag ingest PATH --collection NAME` (docs/rag.md): sends the text, Markdown, HTML and
 * PDF files under PATH that changed to a running gateway and removes the documents whose files
 * are gone (./ingest-client.ts). A progress bar on a terminal, one line per file otherwise.
 */
import type { Command } from 'commander';
import { ConfigError } from '../errors.js';
import { checkBaseUrl } from '../eval/cli.js';
import { DEFAULT_BASE_URL } from '../eval/gateway-client.js';
import { ingestPath, type IngestOptions } from './ingest-client.js';
import { progressBar } from './progress.js';

/** Some files failed (exit 1); the others were ingested. */
export class IngestFailedError extends Error {
  override readonly name = 'IngestFailedError';
}

/** On a terminal: the bar, with failures, removals and the summary above it; otherwise every line. */
export function ingestOutput(stdout: NodeJS.WriteStream): Pick<IngestOptions, 'out' | 'progress'> {
  if (!stdout.isTTY) return { out: (line) => void stdout.write(`${line}\n`) };
  const bar = progressBar(stdout);
  return {
    out: (line, kind) => {
      if (kind === 'summary') bar.clear();
      if (kind === 'failed' || kind === 'removed' || kind === 'summary') bar.line(line);
    },
    progress: (done, total, file) => bar.update(done, total, file),
  };
}

export function registerRagCommands(program: Command, env: NodeJS.ProcessEnv = process.env): void {
  const rag = program.command('rag').description('retrieval collections (docs/rag.md)');
  rag
    .command('ingest <path>')
    .description(
      'ingest .txt/.md/.html/.pdf files (a file or a folder) into a collection of a running gateway: only changed files are sent, documents of deleted files are removed',
    )
    .requiredOption('--collection <name>', 'the collection (create it with POST /v1/rag/collections)')
    .option('--base-url <url>', `the gateway (default $MERIDIAN_BASE_URL or ${DEFAULT_BASE_URL})`)
    .option('--prefix <prefix>', 'put in front of every document id (e.g. "hr/"); only documents under it are removed')
    .option('--no-prune', 'keep documents whose files were deleted')
    .action(async (path: string, o: { collection: string; baseUrl?: string; prefix?: string; prune: boolean }) => {
      const masterKey = env.MERIDIAN_MASTER_KEY;
      if (!masterKey) throw new ConfigError('meridian rag ingest needs MERIDIAN_MASTER_KEY (writes need the master key).');
      const baseUrl = checkBaseUrl(o.baseUrl ?? env.MERIDIAN_BASE_URL ?? DEFAULT_BASE_URL);
      if (o.prefix !== undefined && !/^[A-Za-z0-9._:/@-]{1,100}$/.test(o.prefix)) {
        throw new ConfigError('--prefix is 1-100 letters, digits or . _ : / @ - (it starts every document id).');
      }
      const s = await ingestPath(path, {
        collection: o.collection,
        baseUrl,
        masterKey,
        prune: o.prune,
        ...(o.prefix !== undefined ? { prefix: o.prefix } : {}),
        ...ingestOutput(process.stdout),
      });
      if (s.failed) throw new IngestFailedError(`${s.failed} file(s) failed; the others were ingested.`);
    });
}
