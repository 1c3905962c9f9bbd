/**
 * Optional re-ranking (docs/rag.md): the fused BM25 + vector candidates go to a cross-encoder
 * behind a configured deployment, which scores each against the query; the best `k` by that score
 * are kept. A reranker reads whole chunks, which the guard has not inspected, so only `local` and
 * `private` deployments rerank, whatever the collection's policy. When every reranker fails, the
 * fused order stands and the caller says so: retrieval degrades, it does not fail.
 */
import { NoDeploymentError, StoreUnavailableError } from '../errors.js';
import type { GatewayServices } from '../gateway/services.js';
import type { RagChunkRecord, RagCollectionRecord } from '../store/types.js';
import { search, type SearchHit } from './index.js';

/** Candidates a reranker sees: enough to move a relevant chunk up from below k, bounded in cost. */
export const RERANK_POOL = 40;

export interface Retrieval {
  hits: SearchHit[];
  /** The deployment that re-ranked; `fallback` when every one failed; absent without `rerank`. */
  reranker?: string;
}

export interface RetrieveOptions {
  query: string;
  k: number;
  filter?: RagChunkRecord['metadata'] | undefined;
  rerank?: string | undefined;
}

/** Hybrid search, then re-ranking when asked. */
export async function retrieve(g: GatewayServices, c: RagCollectionRecord, o: RetrieveOptions, signal: AbortSignal): Promise<Retrieval> {
  if (!o.rerank) return { hits: await search(g, c, o.query, o.k, o.filter, signal) };
  const deployments = rerankers(g, o.rerank);
  const pool = await search(g, c, o.query, Math.max(o.k, RERANK_POOL), o.filter, signal);
  if (pool.length === 0) return { hits: pool, reranker: deployments[0]!.id };
  const documents = pool.map((h) => (h.heading ? `${h.heading}\n${h.text}` : h.text));
  for (const d of deployments) {
    try {
      const res = await d.provider.adapter.rerank!({ request: { query: o.query, documents }, deployment: d, signal });
      const scores = scoresOf(res.results, pool.length);
      if (!scores) {
        g.logger.warn({ deployment: d.id }, 'rerank: the answer does not score every candidate once; trying the next deployment');
        continue;
      }
      const hits = pool
        .map((h, i) => ({ ...h, score: scores[i]!, scores: { ...h.scores, rerank: scores[i]! } }))
        .sort((a, b) => b.score - a.score)
        .slice(0, o.k);
      return { hits, reranker: d.id };
    } catch (err) {
      if (signal.aborted || err instanceof StoreUnavailableError) throw err;
      g.logger.warn({ deployment: d.id, err: err instanceof Error ? err.name : 'error' }, 'rerank: deployment failed; trying the next');
    }
  }
  return { hits: pool.slice(0, o.k), reranker: 'fallback' };
}

/** `x-meridian-rerank`: who re-ranked (deployment ids come from the config, header-safe). */
export function rerankHeader(reranker: string | undefined): Record<string, string> {
  return reranker ? { 'x-meridian-rerank': reranker } : {};
}

/** The deployments of `model` that can rerank and keep the text on premises, in alias order. */
function rerankers(g: GatewayServices, model: string) {
  const found = g.catalog.resolve(model).deployments.filter((d) => d.provider.adapter.rerank && d.location !== 'cloud');
  if (found.length === 0) throw new NoDeploymentError(`'${model}' has no local or private deployment with a rerank API.`);
  return found;
}

/** Scores by candidate index, or undefined unless every index in range is scored exactly once with a finite number. */
function scoresOf(results: unknown, n: number): number[] | undefined {
  if (!Array.isArray(results) || results.length !== n) return undefined;
  const scores: number[] = new Array<number>(n);
  for (const r of results as Array<{ index?: unknown; relevance_score?: unknown }>) {
    const i = r?.index;
    const s = r?.relevance_score;
    if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= n || scores[i] !== undefined) return undefined;
    if (typeof s !== 'number' || !Number.isFinite(s)) return undefined;
    scores[i] = s;
  }
  return scores;
}
