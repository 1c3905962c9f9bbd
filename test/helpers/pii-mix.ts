/**
 * A seeded corpus for the guard's behaviour lock (test/unit/guard-findings-golden.test.ts): the
 * vendored PII samples cut up and recombined, re-cased and re-joined, plus edge cases for the
 * fast paths the recognizers take (ASCII vs other scripts next to cue words, possessives, capitals,
 * life dates, names mentioned again, texts long enough to be scanned in slices). The same seed
 * gives the same texts; bench/pii-golden.ts records what a given commit finds in them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../../src/util/random.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'pii');

const EDGES = [
  'My name is Ksenia Volkonskaya (1815–1852) and Volkonskaya said so.',
  'Dear İlkay Gündoğan, thanks, Gündoğan replied to Straße Weiß.',
  "JOHN's car; MARIA LOPEZ said; Liam's dog; O'NEILL's pub; ÉMILE ZOLA wrote.",
  'Anna Schmidt (born 1947) met Herr Müller; Müller\u00a0said no. Dr.\u00a0Emmie Ström (geb. 1900).',
  'according to Asya Godina, Godina and Ruud told Mathias Ruud: Ruud was born in Oslo.',
  'Письмо от Ивана Петрова: Петров сказал, что Иван Петров живёт на ул. Ленина 5.',
  'ich heiße Jürgen Wiśniewski und Wiśniewski wohnt in der Hauptstraße 12.',
  'hey its natasha higuchi, forward this to jürgen wiśniewski or to anna kowalski at 17 rijksweg 145.',
  'Kim: "Who are you?"\nLee: "Nobody."\nTitanic (1997) starred Kate Winslet (1975-).',
  'Mr. Ford, MR. FORD, mr. ford and Mrs.\tFord; signed: Ada Byron;  regards,  Bob Stone.',
  'Ship to 20789 Allika Suite 501, corner of Halsey Street and Ralph Avenue, ZIP: 394 13, in ARENDAL 4844.',
  'NHS number 943 476 5919, BSN 1112.22.333, Aadhaar 2345 6789 0124, PAN ABCPE1234F, codice fiscale RSSMRA85T10A562S.',
  'NI QQ 12 34 56 C, DNI 12345678Z, Steuer-ID 65 929 970 489, driving licence MORGA657054SM9IJ 35, DL D1234567.',
  'İSTANBUL İzmir; ΣΟΦΙΑ Σοφία said; Ǆemal ǅemal; ﬁnn Ångström says hello.',
];

function samples(): string[] {
  const corpus = JSON.parse(readFileSync(join(fixtures, 'corpus.json'), 'utf8')) as Array<{ text: string }>;
  const presidio = JSON.parse(readFileSync(join(fixtures, 'presidio-subset.json'), 'utf8')) as Array<{ full_text: string }>;
  return [...corpus.map((s) => s.text), ...presidio.map((s) => s.full_text), ...EDGES];
}

const JOINERS = [' ', ' ', '\n', '\n\n', ', ', ' and ', '. ', '\u00a0', ' — ', '\t'];

/** `count` texts of one to `maxParts` pieces each; every tenth is long enough to be sliced. */
export function mixedGuardTexts(seed: number, count: number, maxParts = 12): string[] {
  const rand = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const pool = samples();
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    const parts = i % 10 === 9 ? 200 : 1 + Math.floor(rand() * maxParts);
    let text = '';
    for (let k = 0; k < parts; k++) {
      let piece = rand() < 0.15 ? pick(EDGES) : pick(pool);
      const r = rand();
      if (r < 0.1) piece = piece.toLowerCase();
      else if (r < 0.14) piece = piece.toUpperCase();
      else if (r < 0.3) {
        // A cut at a random point: recognizers see spans that end or start mid-value.
        const cut = Math.floor(rand() * piece.length);
        piece = rand() < 0.5 ? piece.slice(0, cut) : piece.slice(cut);
      }
      text += (k > 0 ? pick(JOINERS) : '') + piece;
    }
    texts.push(text);
  }
  return texts;
}

/** Findings as recorded: type, start, end, score (the value is the text between start and end). */
export type RecordedFinding = [string, number, number, number];
