/**
 * The price catalog shipped as data (`data/prices.json`, USD per 1M tokens) and its lookup by
 * provider type + model name, tolerant of the names upstreams really use:
 * `gpt-4o-mini-2024-07-18` → `gpt-4o-mini`, `claude-sonnet-4-5-20250929` → `claude-sonnet-4-5`,
 * `models/gemini-2.5-pro` → `gemini-2.5-pro`, `openai/gpt-4o` (OpenRouter) → `gpt-4o`.
 */
import { readFileSync } from 'node:fs';
import type { Capabilities, Price } from '../providers/spec.js';

export interface CatalogEntry extends Price {
  provider: string;
  model: string;
  /**
   * `embedding`: an embeddings model, priced by the tokens embedded (`input`; `output` is 0).
   * `audio`: speech to text, priced per minute of audio (`audioPerMinute`). Default chat.
   */
  kind?: 'chat' | 'embedding' | 'audio';
  contextWindow?: number;
  capabilities?: Partial<Pick<Capabilities, 'tools' | 'vision' | 'jsonSchema' | 'reasoning'>>;
  /** Rates for prompts above a size threshold (Gemini 2.5 Pro above 200K tokens). */
  longContext?: { thresholdTokens: number } & Price;
  source: string;
  asOf: string;
  verified: boolean;
  aliases?: string[];
  notes?: string;
}

interface CatalogFile {
  schemaVersion: number;
  providers: Record<string, Record<string, Omit<CatalogEntry, 'provider' | 'model'>>>;
}

export interface CatalogMatch {
  entry: CatalogEntry;
  /** `exact`: same name or alias; `normalized`: after stripping dates/tags; `prefix`: a longer variant of a known model. */
  match: 'exact' | 'normalized' | 'prefix';
}

export class PriceCatalog {
  private readonly byProvider = new Map<string, Map<string, CatalogEntry>>();

  constructor(file: CatalogFile) {
    for (const [provider, models] of Object.entries(file.providers)) {
      const table = new Map<string, CatalogEntry>();
      for (const [model, raw] of Object.entries(models)) {
        const entry: CatalogEntry = { ...raw, provider, model };
        table.set(model, entry);
        for (const a of raw.aliases ?? []) table.set(a, entry);
      }
      this.byProvider.set(provider, table);
    }
  }

  entries(): CatalogEntry[] {
    const seen = new Set<CatalogEntry>();
    for (const t of this.byProvider.values()) for (const e of t.values()) seen.add(e);
    return [...seen];
  }

  /**
   * Finds a model's entry. `providerType` narrows the search to that provider's table when the
   * catalog has one (`openai`, `anthropic`, `gemini`); other types (openai-compatible gateways such
   * as OpenRouter or Azure) search every table.
   */
  lookup(providerType: string | undefined, model: string): CatalogMatch | undefined {
    const own = providerType ? this.byProvider.get(providerType) : undefined;
    const tables = own ? [own] : [...this.byProvider.values()];
    const names = candidateNames(model);
    for (const [i, name] of names.entries()) {
      for (const t of tables) {
        const e = t.get(name);
        if (e) return { entry: e, match: i === 0 ? 'exact' : 'normalized' };
      }
    }
    // Longest known model that the name extends with a non-version suffix
    // (`gpt-4o-search-preview` → `gpt-4o`, but never `claude-opus-4-7` → `claude-opus-4`).
    let best: CatalogEntry | undefined;
    let bestLen = 0;
    for (const name of names) {
      for (const t of tables) {
        for (const [known, e] of t) {
          if (known.length <= bestLen || !name.startsWith(known + '-')) continue;
          const rest = name.slice(known.length + 1);
          if (/^\d/.test(rest)) continue;
          best = e;
          bestLen = known.length;
        }
      }
    }
    return best ? { entry: best, match: 'prefix' } : undefined;
  }
}

/** The model name, then forms with routing prefixes and date/version suffixes removed. */
export function candidateNames(model: string): string[] {
  const out: string[] = [];
  const push = (s: string): void => {
    if (s && !out.includes(s)) out.push(s);
  };
  const lower = model.trim().toLowerCase();
  push(lower);
  let name = lower.replace(/^models\//, '');
  // `openai/gpt-4o`, `anthropic/claude-…` (OpenRouter and similar): keep the last segment.
  if (name.includes('/')) name = name.slice(name.lastIndexOf('/') + 1);
  name = name.replace(/[:@].*$/, ''); // `gpt-4o:free`, Vertex `claude-…@20250929`
  push(name);
  let prev: string;
  do {
    prev = name;
    name = name
      .replace(/-(latest|preview|exp|experimental)$/, '')
      .replace(/-\d{4}-\d{2}-\d{2}$/, '') // -2024-07-18
      .replace(/-\d{8}$/, '') // -20250929
      .replace(/-(preview|exp)-\d{2}-\d{2}$/, '') // gemini -preview-05-20
      .replace(/-\d{2}-\d{4}$/, '') // -03-2025
      .replace(/-0\d\d$/, ''); // gemini -001
    push(name);
  } while (name !== prev);
  // `claude-3.5-sonnet` ↔ `claude-3-5-sonnet`
  if (name.startsWith('claude-')) push(name.replace(/(\d)\.(\d)/g, '$1-$2'));
  return out;
}

let defaultCatalog: PriceCatalog | undefined;

/** The catalog shipped in `data/prices.json` (read once). */
export function getDefaultCatalog(): PriceCatalog {
  if (!defaultCatalog) {
    // src/meter/ and dist/meter/ both sit two levels below the package root, where data/ lives.
    const url = new URL('../../data/prices.json', import.meta.url);
    defaultCatalog = new PriceCatalog(JSON.parse(readFileSync(url, 'utf8')) as CatalogFile);
  }
  return defaultCatalog;
}
