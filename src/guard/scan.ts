/**
 * The scanner: runs every enabled recognizer over one string, drops low scores and allow-listed
 * values, and resolves overlaps so each character belongs to at most one finding.
 */
import type { GuardConfig } from './config.js';
import { addressRecognizer } from './recognizers/address.js';
import { creditCardRecognizer } from './recognizers/credit-card.js';
import { createCustomRecognizer, createDenyListRecognizer } from './recognizers/custom.js';
import { driversLicenseRecognizer } from './recognizers/drivers-license.js';
import { emailRecognizer } from './recognizers/email.js';
import { obfuscatedEmailRecognizer } from './recognizers/email-obfuscated.js';
import { ibanRecognizer } from './recognizers/iban.js';
import { ipAddressRecognizer } from './recognizers/ip-address.js';
import { forgetIdWindows, nationalIdRecognizer } from './recognizers/national-id.js';
import { forgetLowerCaseVerdict } from './recognizers/person-lower.js';
import { personRecognizer } from './recognizers/person.js';
import { phoneRecognizer, warmUpPhoneChecks } from './recognizers/phone.js';
import { postcodeRecognizer } from './recognizers/postcode.js';
import { secretRecognizer } from './recognizers/secret.js';
import { usSsnRecognizer } from './recognizers/us-ssn.js';
import { OverlapResolver, type MakeFinding, type RankedFinding } from './overlaps.js';
import type { Finding, Recognizer } from './types.js';

/** Built-in recognizers in priority order: on equal score, the earlier type wins an overlap. */
export const BUILTIN_RECOGNIZERS: readonly Recognizer[] = [
  secretRecognizer,
  emailRecognizer,
  obfuscatedEmailRecognizer,
  creditCardRecognizer,
  ibanRecognizer,
  usSsnRecognizer,
  nationalIdRecognizer,
  driversLicenseRecognizer,
  ipAddressRecognizer,
  phoneRecognizer,
  addressRecognizer,
  postcodeRecognizer,
  personRecognizer,
];

/** Text is scanned in slices of about this many characters; the async scan yields between them. */
export const SLICE_CHARS = 8 * 1024;
/** Each slice is scanned with this much text either side, so spans across a cut are still found. */
const CONTEXT_CHARS = 512;

export interface Scanner {
  /** Findings in `text`, sorted by start, overlaps resolved. */
  scan(text: string): Finding[];
  /**
   * The same findings, computed one slice per step: the caller decides what happens between
   * steps. `make` builds each kept finding (so a caller can add fields without copying them all).
   */
  scanSteps<T extends Finding>(text: string, make: MakeFinding<T>): Generator<void, T[]>;
}

/**
 * Text that runs every built-in recognizer's costly first steps: V8 compiles each regex on its
 * first use, libphonenumber parses its metadata, the name model decodes its weights, and the code
 * runs unoptimised for a while. Scanned when the first scanner is built (startup), so the first
 * request does not pay tens of milliseconds for it.
 */
const WARM_UP_LINES = [
  'Patient: Ksenia Volkonskaya, DOB 1984-03-02, phone +44 20 7946 0958, exp 09/27, ship to London NW1 6XE; Dr. Emmie Ström.',
  'NHS number 943 476 5919, BSN 1112.22.333, Aadhaar 2345 6789 0124, PAN ABCPE1234F, codice fiscale RSSMRA85T10A562S, ZIP: 394 13.',
  'Dear Mr. Oyelaran Adebisi, Maria Lopez (maria.lopez@example.com, +1 415 555 0132, 020 7946 0958) lives at',
  '221 Baker Street, Springfield, IL 62704; Anna Schmidt at Hauptstraße 12, 10115 Berlin; 14 Rue de Rivoli 3.',
  'Card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00, SSN 078-05-1120 or 432-71-5589, NI QQ 12 34 56 C, DNI 12345678Z,',
  'Steuer-ID 65 929 970 489, driving licence MORGA657054SM9IJ 35, server 192.168.10.24, ARENDAL 4844, in Tartu 50090.',
  'Kenji Watanabe, Olga and Ivan met Иван Петров at ул. Ленина 5.',
  'Mr. James O’Connor (card 4111 1111 1111 1111) wrote to priya.n@corp.co.uk, tel 020 7946 0958 ext. 12, host 2001:db8::8a2e:370:7334.',
  'Kim: "hi". hey its natasha higuchi, i live at 17 rijksweg 145.',
  'Fax 999 999 99999, tel 06 12 34 56 78, 030 1234567. Apt 4B, P.O. Box 123, corner of Halsey Street and Ralph Avenue, zip code 70637, api_key=sk-live-0123456789abcdef0123.',
];
/**
 * V8 compiles a regex separately for one-byte (Latin-1) and two-byte subject strings, and most
 * prompts are one-byte: the whole text (two-byte, for its Cyrillic line) and the Latin-1 lines alone
 * (a one-byte string) are both scanned, or the first one-byte prompt pays for every compilation.
 */
const WARM_UP_TEXTS = [WARM_UP_LINES.join('\n'), WARM_UP_LINES.filter((l) => /^[\0-\xff]*$/.test(l)).join('\n')];
/**
 * Regexes reach native code on their second run; the third round makes the recognizers' small hot
 * functions (id window counts, the token walk, cue comparisons) hot enough that V8 optimises them
 * here rather than in the middle of the first request (measured with --single-threaded, where each
 * optimisation is paid in place: first dense scan ≈ 8 ms after two rounds, ≈ 2 ms after three; more
 * rounds gained nothing).
 */
const WARM_UP_ROUNDS = 3;
let warmedUp = false;

function warmUp(): void {
  if (warmedUp) return;
  warmedUp = true;
  warmUpPhoneChecks();
  for (let i = 0; i < WARM_UP_ROUNDS; i++) for (const text of WARM_UP_TEXTS) for (const r of BUILTIN_RECOGNIZERS) r.scan(text, []);
}

export function createScanner(config: GuardConfig): Scanner {
  warmUp();
  const disabled = new Set(config.disabledTypes);
  const denyEntries = config.denyList.map((e) => (typeof e === 'string' ? { value: e, type: 'denied' } : e));
  const deny = createDenyListRecognizer(denyEntries);
  const recognizers: Recognizer[] = [
    ...(deny ? [deny] : []),
    ...config.customRecognizers.map(createCustomRecognizer),
    ...BUILTIN_RECOGNIZERS.filter((r) => !disabled.has(r.type)),
  ];
  const allow = new Set(config.allowList.map((v) => v.trim().toLowerCase()));
  const minScore = config.minScore;

  // Order of discovery: the last tie-break of overlap resolution, as in a single pass.
  let seq = 0;

  /** The candidates in `text` (shifted by `offset`) that start in [keepFrom, keepTo). */
  const collect = (text: string, offset: number, keepFrom: number, keepTo: number): RankedFinding[] => {
    const out: RankedFinding[] = [];
    const buf: Finding[] = [];
    recognizers.forEach((r, rank) => {
      buf.length = 0;
      r.scan(text, buf);
      for (const f of buf) {
        // Deny-listed values (rank 0 when present) are reported whatever minScore says.
        if (f.score < minScore) continue;
        const start = f.start + offset;
        if (start < keepFrom || start >= keepTo) continue;
        if (allow.size > 0 && allow.has(f.value.trim().toLowerCase())) continue;
        out.push({ type: f.type, start, end: f.end + offset, score: f.score, value: f.value, rank, seq: seq++ });
      }
    });
    // Recognizers share per-text results through the last text they saw; let go of it now.
    forgetIdWindows();
    forgetLowerCaseVerdict();
    return out;
  };

  function* scanSteps<T extends Finding>(text: string, make: MakeFinding<T>): Generator<void, T[]> {
    const resolver = new OverlapResolver(make);
    if (text.length <= SLICE_CHARS) resolver.add(collect(text, 0, 0, text.length));
    else {
      // Slices keep the findings that start inside them, so each slice's candidates start after
      // the previous slice's: the resolver settles clusters as it goes.
      for (let from = 0; from < text.length;) {
        const to = cutPoint(text, from + SLICE_CHARS);
        const lo = Math.max(0, from - CONTEXT_CHARS);
        resolver.add(collect(text.slice(lo, Math.min(text.length, to + CONTEXT_CHARS)), lo, from, to));
        from = to;
        if (from < text.length) yield;
      }
    }
    return resolver.finish();
  }

  return {
    scan(text: string): Finding[] {
      if (text.length === 0) return [];
      const steps = scanSteps(text, plainFinding);
      for (;;) {
        const r = steps.next();
        if (r.done) return r.value;
      }
    },
    scanSteps,
  };
}

const plainFinding: MakeFinding<Finding> = (f) => ({ type: f.type, start: f.start, end: f.end, score: f.score, value: f.value });

/** Where to end a slice near `target`: a blank line, else a line end, else a space, else `target`. */
function cutPoint(text: string, target: number): number {
  if (target >= text.length) return text.length;
  for (const [sep, reach] of [
    ['\n\n', 2048],
    ['\n', 1024],
    [' ', 256],
  ] as const) {
    const i = text.indexOf(sep, target);
    if (i >= 0 && i - target <= reach) return Math.min(text.length, i + sep.length);
  }
  return target;
}
