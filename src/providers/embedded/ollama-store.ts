/**
 * Finds a model already pulled with Ollama in Ollama's own store, without Ollama running:
 * `<store>/manifests/<host>/<namespace>/<name>/<tag>` is an OCI-style manifest whose layer with
 * mediaType `application/vnd.ollama.image.model` names the GGUF blob by digest, stored as
 * `<store>/blobs/sha256-<hex>`. The store is `$OLLAMA_MODELS` or `~/.ollama/models`.
 * Reference: https://github.com/ollama/ollama/blob/main/docs/faq.md (where models are stored)
 * and Ollama's `server/modelpath.go` (name → manifest path).
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

const MODEL_LAYER = 'application/vnd.ollama.image.model';
const PART = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function ollamaStoreDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.OLLAMA_MODELS || join(homedir(), '.ollama', 'models');
}

/**
 * `llama3.2`, `llama3.2:1b`, `user/model:tag` or `host/namespace/model:tag` → the manifest's path
 * parts. Each part is checked, so a name cannot climb out of the store.
 */
export function manifestParts(name: string): string[] {
  const colon = name.lastIndexOf(':');
  const slash = name.lastIndexOf('/');
  const hasTag = colon > slash;
  const tag = hasTag ? name.slice(colon + 1) : 'latest';
  const path = (hasTag ? name.slice(0, colon) : name).split('/');
  const parts = path.length === 1 ? ['registry.ollama.ai', 'library', ...path] : path.length === 2 ? ['registry.ollama.ai', ...path] : path;
  for (const p of [...parts, tag]) {
    if (!PART.test(p) || p.includes('..')) throw new Error(`'${name}' is not an Ollama model name (e.g. llama3.2 or llama3.2:1b).`);
  }
  return [...parts, tag];
}

/** Resolves `name` to its GGUF blob path; throws an Error saying what is missing. */
export async function resolveOllamaModel(name: string, store = ollamaStoreDir()): Promise<string> {
  const manifest = join(store, 'manifests', ...manifestParts(name));
  let text: string;
  try {
    text = await readFile(manifest, 'utf8');
  } catch {
    throw new Error(`Ollama model '${name}' is not in the store at ${store} (no ${manifest}); pull it with \`ollama pull ${name}\`.`);
  }
  let layers: unknown;
  try {
    layers = (JSON.parse(text) as { layers?: unknown }).layers;
  } catch {
    throw new Error(`Ollama manifest ${manifest} is not JSON.`);
  }
  const layer = Array.isArray(layers)
    ? (layers as Array<{ mediaType?: unknown; digest?: unknown }>).find((l) => l?.mediaType === MODEL_LAYER)
    : undefined;
  const digest = typeof layer?.digest === 'string' ? /^sha256[:-]([a-f0-9]{64})$/.exec(layer.digest)?.[1] : undefined;
  if (!digest) throw new Error(`Ollama manifest ${manifest} has no model layer with a sha256 digest.`);
  return join(store, 'blobs', `sha256-${digest}`);
}
