/**
 * Test cases from files, as promptfoo reads them: JSONL (one test case object a line), JSON or
 * YAML (a list of test cases), and CSV (a header row of variable names; `__expected`,
 * `__expected2`… hold assertions written `type: value`, `type(threshold): value`, a bare type
 * such as `is-json`, or a plain value meaning `equals`; `__description` names the case).
 * Reference: https://www.promptfoo.dev/docs/configuration/test-cases/
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors.js';
import { isKnownAssertion } from './assertions/index.js';
import type { RawAssertion } from './suite-schema.js';

/** RFC 4180 CSV: quoted fields with "" escapes and line breaks inside quotes. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const src = text.replace(/^\ufeff/, '');
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (quoted) {
      if (ch === '"' && src[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
    } else field += ch;
  }
  if (quoted) throw new Error('a quoted field is not closed');
  row.push(field);
  if (row.some((f) => f !== '')) rows.push(row);
  return rows;
}

/** One `__expected` cell → an assertion. */
export function expectedToAssertion(cell: string): RawAssertion {
  const m = /^\s*([a-z][a-z-]*)(?:\(([\d.]+)\))?\s*:\s?([\s\S]*)$/i.exec(cell);
  if (m && isKnownAssertion(m[1]!.toLowerCase())) {
    const type = m[1]!.toLowerCase();
    return { type, value: m[3]!, ...(m[2] ? { threshold: Number(m[2]) } : {}) };
  }
  // promptfoo's `grade:` is llm-rubric.
  if (m && m[1]!.toLowerCase() === 'grade') return { type: 'llm-rubric', value: m[3]! };
  const bare = cell.trim().toLowerCase();
  if (/^(not-)?[a-z-]+$/.test(bare) && isKnownAssertion(bare)) return { type: bare };
  return { type: 'equals', value: cell };
}

function csvTests(text: string, file: string): unknown[] {
  let rows: string[][];
  try {
    rows = parseCsv(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid CSV: ${(err as Error).message}`);
  }
  const [header, ...body] = rows;
  if (!header) return [];
  return body.map((cells, r) => {
    if (cells.length > header.length)
      throw new ConfigError(`${file}: row ${r + 2} has ${cells.length} fields, the header has ${header.length}.`);
    const vars: Record<string, string> = {};
    const assert: RawAssertion[] = [];
    let description: string | undefined;
    header.forEach((name, c) => {
      const cell = cells[c] ?? '';
      const key = name.trim();
      if (/^__expected\d*$/.test(key)) {
        if (cell.trim()) assert.push(expectedToAssertion(cell));
      } else if (key === '__description') description = cell;
      else if (key.startsWith('__'))
        throw new ConfigError(`${file}: column '${key}' is not supported (known: __expected, __expectedN, __description).`);
      else vars[key] = cell;
    });
    return { vars, assert, ...(description ? { description } : {}) };
  });
}

/** Raw test case objects from one file (validated by the caller against the test schema). */
export function readTestFile(path: string, shownAs: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read tests file '${shownAs}': ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return csvTests(text, shownAs);
  if (ext === '.jsonl') {
    return text.split(/\r?\n/).flatMap((line, i) => {
      if (!line.trim()) return [];
      try {
        return [JSON.parse(line) as unknown];
      } catch (err) {
        throw new ConfigError(`${shownAs}:${i + 1}: not valid JSON: ${(err as Error).message}`);
      }
    });
  }
  if (ext === '.json' || ext === '.yaml' || ext === '.yml') {
    let data: unknown;
    try {
      data = ext === '.json' ? JSON.parse(text) : parseYaml(text);
    } catch (err) {
      throw new ConfigError(`${shownAs}: not valid ${ext.slice(1).toUpperCase()}: ${(err as Error).message}`);
    }
    if (!Array.isArray(data)) throw new ConfigError(`${shownAs}: expected a list of test cases.`);
    return data;
  }
  throw new ConfigError(`${shownAs}: tests files must be .csv, .jsonl, .json, .yaml or .yml.`);
}
