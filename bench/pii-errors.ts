/**
 * Error listing for tuning, on the TUNING half of the presidio set only (even indices), so the
 * odd half stays a held-out check. Run: npx tsx bench/pii-errors.ts <type> [fn|fp] [limit]
 */
import { readFileSync } from 'node:fs';
import { createGuard, guardConfigSchema } from '../src/guard/index.js';
import { fromPresidio } from './pii-eval.js';

const [type = 'person', kind = 'fn', limit = '60'] = process.argv.slice(2);
const guard = createGuard(guardConfigSchema.parse({}));
const raw = JSON.parse(readFileSync('/work/shared/data/pii/presidio-generated-large.json', 'utf8'));
const { examples } = fromPresidio(raw);
const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }) => a.start < b.end && b.start < a.end;
let shown = 0;
for (let i = 0; i < examples.length && shown < Number(limit); i += 2) {
  const ex = examples[i]!;
  const found = guard.scanText(ex.text);
  const pred = found.filter((f) => f.type === type);
  const gold = ex.spans.filter((s) => s.type === type);
  if (kind === 'fn') {
    for (const g of gold) {
      if (pred.some((p) => overlaps(p, g))) continue;
      const other = found
        .filter((f) => overlaps(f, g))
        .map((f) => f.type)
        .join(',');
      console.log(
        `#${i} [${ex.text.slice(g.start, g.end)}]${other ? ` (as ${other})` : ''} :: ${ex.text.slice(Math.max(0, g.start - 50), g.end + 40).replace(/\n/g, '⏎')}`,
      );
      shown++;
    }
  } else {
    for (const p of pred) {
      if (gold.some((g) => overlaps(p, g))) continue;
      const otherGold = raw[i].spans
        .filter((s: any) => overlaps({ start: s.start_position, end: s.end_position }, p))
        .map((s: any) => s.entity_type)
        .join(',');
      console.log(
        `#${i} [${p.value}] ${p.score} gold=${otherGold || '-'} :: ${ex.text.slice(Math.max(0, p.start - 50), p.end + 40).replace(/\n/g, '⏎')}`,
      );
      shown++;
    }
  }
}
