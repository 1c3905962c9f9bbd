/**
 * Writes test/fixtures/pii/presidio-subset.json: a fixed subset of presidio-research's
 * generated_large.json (MIT, see test/fixtures/pii/LICENSE-presidio-research.txt), so the
 * quality-floor test runs on a fresh clone. The full set stays a bench input (bench/pii.ts).
 * Run: npx tsx scripts/vendor-presidio-subset.ts [path/to/presidio-generated-large.json]
 * Selection (deterministic): every sentence with a rare type (email, IBAN, US SSN, IP address)
 * plus every 6th of the others.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const source = process.argv[2] ?? join(here, '..', '..', 'shared', 'data', 'pii', 'presidio-generated-large.json');
const RARE = new Set(['EMAIL_ADDRESS', 'IBAN_CODE', 'US_SSN', 'IP_ADDRESS']);

interface PresidioRecord {
  full_text: string;
  spans: Array<{ entity_type: string; entity_value: string; start_position: number; end_position: number }>;
}
const records = JSON.parse(readFileSync(source, 'utf8')) as PresidioRecord[];
const subset = records
  .filter((r, i) => r.spans.some((s) => RARE.has(s.entity_type)) || i % 6 === 0)
  .map((r) => ({
    full_text: r.full_text,
    spans: r.spans.map((s) => ({
      entity_type: s.entity_type,
      entity_value: s.entity_value,
      start_position: s.start_position,
      end_position: s.end_position,
    })),
  }));
const out = join(here, '..', 'test', 'fixtures', 'pii', 'presidio-subset.json');
writeFileSync(out, JSON.stringify(subset, null, 0) + '\n');
console.log(`${subset.length} of ${records.length} sentences → ${out}`);
