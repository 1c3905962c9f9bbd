/**
 * Recognizer back-ends (`guard.backends`): built once from config, asked per request after the
 * built-in scan over the same texts, each bounded in size and time. Their findings are filtered
 * like built-in ones (minScore, allowList, disabledTypes) and merged by the same overlap rule.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ConfigError } from '../../errors.js';
import type { GuardConfig } from '../config.js';
import { OverlapResolver, type RankedFinding } from '../overlaps.js';
import type { Finding } from '../types.js';
import { createLocalModelBackend } from './local-model.js';
import { splitIntoPieces } from './pieces.js';
import { createPresidioBackend } from './presidio.js';
import { BackendFailedError, type GuardDeps, type RecognizerBackend } from './types.js';

export { BackendFailedError, type GuardCompleteFn, type GuardCompletionRequest, type GuardDeps, type RecognizerBackend } from './types.js';

/** Set while a back-end runs: an inspect() it causes (the gateway inspecting the local model's call) skips back-ends. */
const backendCall = new AsyncLocalStorage<true>();

/** True inside a back-end's work: back-ends are then not asked again (no recursion through the gateway). */
export function insideBackendCall(): boolean {
  return backendCall.getStore() === true;
}

/** Throws ConfigError when a back-end needs a dependency the caller did not give. */
export function createBackends(config: GuardConfig, deps: GuardDeps): RecognizerBackend[] {
  return config.backends.map((b, i) => {
    const name = `guard.backends[${i}] (${b.type})`;
    if (b.type === 'presidio') return createPresidioBackend(b, name);
    if (!deps.complete) {
      throw new ConfigError(
        `${name}: a local-model back-end needs the gateway to run its completions, and this guard was built without one; ` +
          'remove the entry or run it inside the Meridian server.',
      );
    }
    return createLocalModelBackend(b, name, deps.complete);
  });
}

/**
 * Each back-end's findings per text (`result[b][i]` for backend b, text i), offsets in the whole
 * text. Back-ends run in parallel, each under `timeoutMs` and `signal`. A failing back-end with
 * `onError: fail-closed` rejects with BackendFailedError; with `ignore` it adds nothing. Rejects
 * with `signal.reason` once `signal` aborts.
 */
export async function runBackends(
  backends: readonly RecognizerBackend[],
  texts: readonly string[],
  signal: AbortSignal,
): Promise<Finding[][][]> {
  return Promise.all(
    backends.map(async (backend) => {
      const perText: Finding[][] = texts.map(() => []);
      const pieces = splitIntoPieces(texts, backend.maxChars, backend.chunkChars);
      if (pieces.length === 0) return perText;
      // A referenced timer (AbortSignal.timeout's is not): the deadline holds even when nothing
      // else keeps the process alive.
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(new Error(`no answer within ${backend.timeoutMs} ms (timeoutMs)`)), backend.timeoutMs);
      try {
        const found = await backendCall.run(true, () => backend.find(pieces, AbortSignal.any([signal, deadline.signal])));
        pieces.forEach((piece, p) => {
          for (const f of found[p] ?? []) {
            perText[piece.index]!.push({ ...f, start: f.start + piece.offset, end: f.end + piece.offset });
          }
        });
        return perText;
      } catch (err) {
        signal.throwIfAborted();
        if (backend.onError === 'ignore') return texts.map(() => []);
        throw new BackendFailedError(backend.name, deadline.signal.aborted ? deadline.signal.reason : err);
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}

/** Keeps a back-end finding? The same filters the built-in scanner applies. */
export type FindingFilter = (f: Finding) => boolean;

export function backendFilter(config: GuardConfig): FindingFilter {
  const disabled = new Set(config.disabledTypes);
  const allow = new Set(config.allowList.map((v) => v.trim().toLowerCase()));
  return (f) => f.score >= config.minScore && !disabled.has(f.type) && !allow.has(f.value.trim().toLowerCase());
}

/**
 * Built-in findings of one text plus every back-end's, overlaps resolved as in the scanner
 * (higher score first; on equal score the built-in scan, then back-ends in config order).
 */
export function mergeFindings(builtin: readonly Finding[], extra: readonly Finding[][], keep: FindingFilter): Finding[] {
  if (extra.every((list) => list.length === 0)) return [...builtin];
  let seq = 0;
  const ranked: RankedFinding[] = builtin.map((f) => ({ ...f, rank: 0, seq: seq++ }));
  extra.forEach((list, b) => {
    for (const f of list) if (keep(f)) ranked.push({ ...f, rank: b + 1, seq: seq++ });
  });
  const resolver = new OverlapResolver<Finding>((f) => ({ type: f.type, start: f.start, end: f.end, score: f.score, value: f.value }));
  resolver.add(ranked);
  return resolver.finish();
}
