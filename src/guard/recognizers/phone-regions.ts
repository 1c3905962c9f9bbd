/**
 * An exact pre-filter for "is this national-format number valid in region R?": a few regex tests
 * on the digits that rule a region out before libphonenumber-js parses the number (~10–50 µs per
 * region; a number valid nowhere costs every region). It never rules out a region where
 * `parsePhoneNumberFromString(candidate, R)?.isValid()` holds, so verdicts are unchanged.
 *
 * Why it is exact, following libphonenumber-js (1.x) `parse()` for input without a leading "+":
 * - the digits it parses are the candidate's digits, in order (punctuation dropped; our candidates
 *   hold no extension label, so no extension is split off);
 * - if the digits start with R's international (IDD) prefix, any country may follow: not filtered;
 * - otherwise the calling code is R's, and the national significant number (NSN) is the digits
 *   with or without R's national prefix for parsing stripped (or rewritten by its transform rule),
 *   or the digits without R's calling code, with or without the national prefix of the plan that
 *   calling code selects: at most four strings, computed here the same way;
 * - `isValid()` then needs the NSN to match the national number pattern of the country it lands in,
 *   which is R or another country sharing R's calling code (NANPA, GB with GG/JE/IM, …), and (when
 *   the metadata has number types, as "max" does) the pattern of one of its number types.
 * So when none of those strings matches any of those patterns, R cannot say "valid".
 * test/unit/guard-phone-prefilter.test.ts checks this against libphonenumber on random numbers.
 */
import { Metadata } from 'libphonenumber-js/core';
import type { CountryCode } from 'libphonenumber-js/max';
import metadataJson from 'libphonenumber-js/max/metadata';

/** The parts of libphonenumber-js's Metadata used here (present at runtime, not in its typings). */
interface PlanMetadata {
  selectNumberingPlan(country: string): void;
  IDDPrefix(): string;
  nationalNumberPattern(): string;
  hasTypes(): boolean;
  type(type: string): { pattern(): string | undefined } | undefined;
  numberingPlan: {
    callingCode(): string;
    nationalPrefixForParsing(): string | undefined;
    nationalPrefixTransformRule(): string | undefined;
  };
}

/** A national prefix for parsing ("0", "1", carrier codes…) and its rewrite rule, if any. */
interface NationalPrefix {
  re: RegExp;
  transform: string | undefined;
}

interface RegionPlan {
  callingCode: string;
  idd: RegExp;
  /** The region's own national prefix: numbers written without the calling code. */
  prefix: NationalPrefix | undefined;
  /**
   * After a calling code written without "+", libphonenumber strips the prefix of the plan it
   * selects by calling code (the code's main country: US for CA's "1").
   */
  prefixAfterCode: NationalPrefix | undefined;
  /** The national number patterns of every country with this calling code, anchored. */
  nsn: RegExp;
}

/** getNumberType's types: with type data, a valid number matches one of their patterns too. */
const NUMBER_TYPES = [
  'FIXED_LINE',
  'MOBILE',
  'PREMIUM_RATE',
  'TOLL_FREE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
];

const plans = new Map<string, RegionPlan>();

function planFor(region: CountryCode): RegionPlan {
  let plan = plans.get(region);
  if (plan) return plan;
  // core's Metadata over the "max" metadata that parsePhoneNumberFromString from 'libphonenumber-js/max'
  // uses (core exports the class in its CommonJS build too; 'max' exports it only as ESM).
  const md = new Metadata(metadataJson) as unknown as PlanMetadata;
  md.selectNumberingPlan(region);
  const callingCode = md.numberingPlan.callingCode();
  const idd = new RegExp(`^(?:${md.IDDPrefix()})`);
  const prefix = nationalPrefix(md);
  md.selectNumberingPlan(callingCode);
  const prefixAfterCode = nationalPrefix(md);
  const countries = (metadataJson as { country_calling_codes: Record<string, string[]> }).country_calling_codes[callingCode] ?? [region];
  const patterns = countries.map((c) => {
    md.selectNumberingPlan(c);
    const general = `(?:${md.nationalNumberPattern()})`;
    if (!md.hasTypes()) return general;
    const types = NUMBER_TYPES.map((t) => md.type(t)?.pattern()).filter((p): p is string => Boolean(p));
    return `(?=${general}$)(?:${types.map((p) => `(?:${p})`).join('|') || '(?!)'})`;
  });
  plan = {
    callingCode,
    idd,
    prefix,
    prefixAfterCode,
    nsn: new RegExp(`^(?:${patterns.join('|')})$`),
  };
  plans.set(region, plan);
  return plan;
}

/** `number` and `number` with the national prefix stripped (as extractNationalNumberFromPossiblyIncompleteNumber does). */
function fitsWithOrWithoutPrefix(number: string, nsn: RegExp, prefix: NationalPrefix | undefined): boolean {
  if (nsn.test(number)) return true;
  if (!prefix) return false;
  const m = prefix.re.exec(number);
  if (!m) return false;
  const groups = m.length - 1;
  const captured = groups > 0 && Boolean(m[groups]);
  const national = prefix.transform && captured ? number.replace(prefix.re, prefix.transform) : number.slice(m[0].length);
  return nsn.test(national);
}

function nationalPrefix(md: PlanMetadata): NationalPrefix | undefined {
  const parsing = md.numberingPlan.nationalPrefixForParsing();
  if (!parsing) return undefined;
  return { re: new RegExp(`^(?:${parsing})`), transform: md.numberingPlan.nationalPrefixTransformRule() || undefined };
}

/**
 * False only when `digits` (a national-format candidate's digits, no "+") cannot be a valid
 * number for `region` in libphonenumber-js; true means "parse it to know".
 */
export function mayBeValidIn(digits: string, region: CountryCode): boolean {
  const plan = planFor(region);
  if (plan.idd.test(digits)) return true;
  if (fitsWithOrWithoutPrefix(digits, plan.nsn, plan.prefix)) return true;
  return (
    digits.startsWith(plan.callingCode) && fitsWithOrWithoutPrefix(digits.slice(plan.callingCode.length), plan.nsn, plan.prefixAfterCode)
  );
}
