/**
 * Mock rules: a YAML or JSON file that says how the mock answers particular requests. The first
 * rule whose `match` fits (and whose `every`/`probability` gate opens) decides the answer; a
 * request no rule matches gets the default deterministic answer. Format: docs/testing.md.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { parseYaml } from '../util/yaml.js';

export interface MockRuleMatch {
  /** Exact model name, or `/regex/flags`. */
  model?: string;
  /** Regex tested against the last user message text (case-insensitive unless `/…/flags` given). */
  message?: string;
  /** true: the request must carry tools; false: it must not. */
  tools?: boolean;
  /** true: only streaming requests; false: only non-streaming ones. */
  stream?: boolean;
  /**
   * Which surface the request came in on: `chat`, `embeddings`, `audio` (speech to text; `message`
   * is then tested against the uploaded file's name and `text` is the transcript). Default `chat`.
   */
  endpoint?: 'chat' | 'embeddings' | 'audio';
}

export interface MockRuleToolCall {
  name: string;
  /** Object (JSON-encoded for the wire) or raw argument text. Omitted: generated from the schema. */
  arguments?: Record<string, unknown> | string;
}

export interface MockRuleError {
  status: number;
  message?: string;
  type?: string;
  code?: string;
  /** Seconds, sent as `Retry-After`. */
  retry_after?: number;
}

export interface MockRule {
  name?: string;
  match?: MockRuleMatch;
  /** Apply only on every Nth request this rule matches (1-based: 3 → the 3rd, 6th…). */
  every?: number;
  /** Apply with this probability (0..1), drawn from a PRNG seeded by the file's `seed`. */
  probability?: number;
  /** Apply only to the first N matching requests. */
  times?: number;

  /** Answer text; templates: {{last_user}}, {{model}}, {{system}}, {{tool_names}}, {{request_count}}. */
  text?: string;
  tool_calls?: MockRuleToolCall[];
  /** Any JSON value, returned as the message content (JSON-encoded). */
  json?: unknown;
  finish_reason?: 'stop' | 'length' | 'tool_calls' | 'content_filter';
  error?: MockRuleError;

  /** Delay before anything is sent (ms). */
  latency_ms?: number;
  /** Streaming: extra delay before the first content chunk (ms). */
  first_token_ms?: number;
  /** Streaming: delay between chunks (ms). */
  chunk_delay_ms?: number;
  /** Streaming: drop the connection after this many chunks (a truncated stream). */
  truncate_after_chunks?: number;
  /** Close the connection without any response. */
  drop_connection?: boolean;
  /** Never answer (until the client gives up or `hang_ms` passes). */
  hang?: boolean;
  hang_ms?: number;
}

export interface MockRulesFile {
  /** Seed for `probability` draws and generated values. Default 1. */
  seed?: number;
  /** Extra model ids listed by /v1/models. */
  models?: string[];
  rules: MockRule[];
}

export function parseRules(text: string, source = 'rules'): MockRulesFile {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`Mock rules in ${source} are neither valid YAML nor JSON: ${(err as Error).message}`);
  }
  return normalizeRules(data, source);
}

export function loadRulesFile(path: string): MockRulesFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read mock rules file '${path}': ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseRules(text, path);
}

/** Accepts `{seed, rules: [...]}`, or a bare list of rules. */
export function normalizeRules(data: unknown, source = 'rules'): MockRulesFile {
  if (data == null) return { rules: [] };
  const file = Array.isArray(data) ? { rules: data } : (data as MockRulesFile);
  if (typeof file !== 'object' || !Array.isArray(file.rules)) {
    throw new ConfigError(`Mock rules in ${source} must be a list of rules or an object with a 'rules' list.`);
  }
  file.rules.forEach((r, i) => {
    if (!r || typeof r !== 'object') throw new ConfigError(`Mock rule #${i + 1} in ${source} must be an object.`);
    if (r.error && typeof r.error.status !== 'number')
      throw new ConfigError(`Mock rule #${i + 1} in ${source}: error.status must be a number.`);
    for (const key of ['model', 'message'] as const) {
      const pattern = r.match?.[key];
      if (pattern !== undefined) compilePattern(pattern, key === 'message' ? 'i' : '', `${source} rule #${i + 1} match.${key}`);
    }
  });
  return file;
}

/** `/body/flags` → that regex; anything else → a regex with `defaultFlags`. */
export function compilePattern(pattern: string, defaultFlags: string, where: string): RegExp {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
  try {
    return m ? new RegExp(m[1]!, m[2]) : new RegExp(pattern, defaultFlags);
  } catch (err) {
    throw new ConfigError(`Invalid regex in ${where}: ${(err as Error).message}`);
  }
}

export interface MatchFacts {
  endpoint: 'chat' | 'embeddings' | 'audio';
  model: string;
  lastUser: string;
  hasTools: boolean;
  stream: boolean;
}

export function ruleMatches(rule: MockRule, facts: MatchFacts): boolean {
  const m = rule.match ?? {};
  if ((m.endpoint ?? 'chat') !== facts.endpoint) return false;
  if (m.model !== undefined) {
    const isRegex = /^\/.*\/[a-z]*$/s.test(m.model);
    if (isRegex ? !compilePattern(m.model, '', 'match.model').test(facts.model) : m.model !== facts.model) return false;
  }
  if (m.message !== undefined && !compilePattern(m.message, 'i', 'match.message').test(facts.lastUser)) return false;
  if (m.tools !== undefined && m.tools !== facts.hasTools) return false;
  if (m.stream !== undefined && m.stream !== facts.stream) return false;
  return true;
}

/** `{{name}}` → vars[name]; unknown names are left as they are so typos stay visible. */
export function renderTemplate(template: string, vars: Record<string, string>): string {
  return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (whole, name: string) => vars[name] ?? whole);
}
