/**
 * Records what a commit's guard finds in the seeded mixed corpus (test/helpers/pii-mix.ts) into
 * test/fixtures/pii/findings-golden.json, which test/unit/guard-findings-golden.test.ts holds the
 * working tree to: a speed change must not change a single finding.
 * Run: npx tsx bench/pii-golden.ts [--baseline REF]   (REF defaults to the merge base with main)
 * Record from the commit before a speed-only change, never from the change itself; re-record
 * (from the new commit) only after a deliberate behaviour change whose diff you reviewed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GOLDEN_COUNT, GOLDEN_SEED } from '../test/helpers/pii-golden-params.js';
import { mixedGuardTexts, type RecordedFinding } from '../test/helpers/pii-mix.js';
import { baselineSrc, git, loadGuard, root } from './lib/pii-baseline.js';

const i = process.argv.indexOf('--baseline');
const ref = i >= 0 ? (process.argv[i + 1] as string) : git('merge-base', 'HEAD', 'main');
const { src, sha } = baselineSrc(ref);
const guard = await loadGuard(src);
const texts = mixedGuardTexts(GOLDEN_SEED, GOLDEN_COUNT);
const findings: RecordedFinding[][] = texts.map((t) =>
  guard.scanText(t).map((f) => {
    if (f.value !== t.slice(f.start, f.end)) throw new Error(`value is not the text of its span: ${f.type} ${f.start}`);
    return [f.type, f.start, f.end, f.score] satisfies RecordedFinding;
  }),
);
const out = join(root, 'test', 'fixtures', 'pii', 'findings-golden.json');
const body = { commit: git('rev-parse', sha), seed: GOLDEN_SEED, count: GOLDEN_COUNT, findings };
writeFileSync(out, JSON.stringify(body).replace(/\],\[\[/g, '],\n[[') + '\n');
console.log(`${findings.flat().length} findings in ${texts.length} texts from ${sha} → ${out}`);
