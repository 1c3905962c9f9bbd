/**
 * Presidio Analyzer REST back-end. Wire format, as served by presidio-analyzer's Flask app
 * (microsoft/presidio, presidio-analyzer/app.py, route `POST /analyze`):
 *   request  {"text": str, "language": "en", "score_threshold"?: float, "entities"?: [str]}
 *   response [{"entity_type": "PERSON", "start": 0, "end": 10, "score": 0.85, ...}]  (HTTP 200)
 *   error    {"error": str} with HTTP 400/500
 * `start`/`end` index Python strings, i.e. Unicode code points, not UTF-16 units: converted here.
 */
import type { PresidioBackendConfig } from './schema.js';
import type { Finding } from '../types.js';
import type { RecognizerBackend, TextPiece } from './types.js';

/** Most bytes read from one Presidio answer (a 32 KB piece yields far less). */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export function createPresidioBackend(config: PresidioBackendConfig, name: string): RecognizerBackend {
  const base = new URL(config.url);
  const endpoint = `${base.origin}${base.pathname.replace(/\/+$/, '')}/analyze`;
  const entities = Object.keys(config.entities);

  async function analyze(piece: TextPiece, signal: AbortSignal): Promise<Finding[]> {
    const body: Record<string, unknown> = { text: piece.text, language: config.language, entities };
    if (config.scoreThreshold !== undefined) body.score_threshold = config.scoreThreshold;
    // undici's `request` with the package's whole index, loaded with the first call: a gateway
    // without a Presidio back-end never needs it (docs/performance.md, "Memory").
    const { request } = await import('undici');
    const res = await request(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      signal,
    });
    const text = await readBounded(res.body);
    // The status alone: Presidio's error text may quote the analyzed text.
    if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode} from ${endpoint}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(`answer from ${endpoint} is not JSON`);
    }
    if (!Array.isArray(parsed)) throw new Error(`answer from ${endpoint} is not a JSON array`);
    return toFindings(parsed, piece.text, config.entities);
  }

  return {
    name,
    timeoutMs: config.timeoutMs,
    maxChars: config.maxChars,
    chunkChars: config.chunkChars,
    onError: config.onError,
    async find(pieces, signal) {
      // One piece at a time: a back-end shared by every request is not flooded by one of them.
      const out: Finding[][] = [];
      for (const piece of pieces) out.push(await analyze(piece, signal));
      return out;
    },
  };
}

/** Lenient: entries that are not a well-formed, in-range, mapped result are skipped. */
export function toFindings(results: unknown[], text: string, entities: Readonly<Record<string, string>>): Finding[] {
  const toUtf16 = codePointOffsets(text);
  const out: Finding[] = [];
  for (const r of results) {
    if (typeof r !== 'object' || r === null) continue;
    const { entity_type: kind, start, end, score } = r as Record<string, unknown>;
    if (typeof kind !== 'string' || !Object.hasOwn(entities, kind)) continue;
    if (!Number.isInteger(start) || !Number.isInteger(end) || typeof score !== 'number' || !(score >= 0 && score <= 1)) continue;
    const s = toUtf16(start as number);
    const e = toUtf16(end as number);
    if (s === undefined || e === undefined || e <= s) continue;
    out.push({ type: entities[kind]!, start: s, end: e, score, value: text.slice(s, e) });
  }
  return out;
}

/** Maps a code-point offset to a UTF-16 offset (undefined when out of range). */
function codePointOffsets(text: string): (cp: number) => number | undefined {
  if (!/[\uD800-\uDFFF]/.test(text)) return (cp) => (cp >= 0 && cp <= text.length ? cp : undefined);
  const at: number[] = [];
  let i = 0;
  for (const ch of text) {
    at.push(i);
    i += ch.length;
  }
  at.push(i);
  return (cp) => (cp >= 0 && cp < at.length ? at[cp] : undefined);
}

async function readBounded(body: AsyncIterable<Buffer> & { destroy(err?: Error): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_RESPONSE_BYTES) {
      body.destroy();
      throw new Error(`answer larger than ${MAX_RESPONSE_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
