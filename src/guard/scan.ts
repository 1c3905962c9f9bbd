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
import { nationalIdRecognizer } from './recognizers/national-id.js';
import { personRecognizer } from './recognizers/person.js';
import { phoneRecognizer } from './recognizers/phone.js';
import { postcodeRecognizer } from './recognizers/postcode.js';
import { secretRecognizer } from './recognizers/secret.js';
import { usSsnRecognizer } from './recognizers/us-ssn.js';
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

export interface Scanner {
  scan(text: string): Finding[];
}

export function createScanner(config: GuardConfig): Scanner {
  const disabled = new Set(config.disabledTypes);
  const denyEntries = config.denyList.map((e) => (typeof e === 'string' ? { value: e, type: 'denied' } : e));
  const deny = createDenyListRecognizer(denyEntries);
  const recognizers: Recognizer[] = [
    ...(deny ? [deny] : []),
    ...config.customRecognizers.map(createCustomRecognizer),
    ...BUILTIN_RECOGNIZERS.filter((r) => !disabled.has(r.type)),
  ];
  const priority = new Map<Recognizer, number>(recognizers.map((r, i) => [r, i]));
  const allow = new Set(config.allowList.map((v) => v.trim().toLowerCase()));
  const minScore = config.minScore;

  return {
    scan(text: string): Finding[] {
      if (text.length === 0) return [];
      const found: Array<Finding & { rank: number }> = [];
      const buf: Finding[] = [];
      for (const r of recognizers) {
        buf.length = 0;
        r.scan(text, buf);
        const rank = priority.get(r) ?? 0;
        for (const f of buf) {
          // Deny-listed values (rank 0 when present) are reported whatever minScore says.
          if (f.score < minScore) continue;
          if (allow.size > 0 && allow.has(f.value.trim().toLowerCase())) continue;
          found.push({ ...f, rank });
        }
      }
      return resolveOverlaps(dropNamesInsideAddresses(found));
    },
  };
}

/** "12 rue Jean Jaurès", "7 Willow Rd": a name inside an address is part of the address. */
function dropNamesInsideAddresses<T extends Finding>(found: T[]): T[] {
  const addresses = found.filter((f) => f.type === 'address');
  if (addresses.length === 0) return found;
  return found.filter((f) => f.type !== 'person' || !addresses.some((a) => a.start < f.end && f.start < a.end));
}

/** Keeps the best finding where spans overlap: higher score, then earlier recognizer, then longer. */
function resolveOverlaps(found: Array<Finding & { rank: number }>): Finding[] {
  if (found.length <= 1) return found.map(strip);
  found.sort((a, b) => b.score - a.score || a.rank - b.rank || b.end - b.start - (a.end - a.start));
  const kept: Finding[] = [];
  for (const f of found) {
    if (kept.some((k) => k.start < f.end && f.start < k.end)) continue;
    kept.push(strip(f));
  }
  return kept.sort((a, b) => a.start - b.start);
}

function strip(f: Finding & { rank: number }): Finding {
  return { type: f.type, start: f.start, end: f.end, score: f.score, value: f.value };
}
