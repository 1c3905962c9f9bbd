/**
 * Writes bench/data/pii-heldout.json, the privacy guard's held-out recall set (deterministic, seeded).
 * Run: npx tsx scripts/gen-recall-heldout.ts /tmp/names/node_modules
 *   (mkdir -p /tmp/names && cd /tmp/names && npm install chance @faker-js/faker@9)
 *
 * Held out from everything the guard was built from:
 * - names: chance (MIT, https://chancejs.com) first/last names (en, it, nl, fr, uk, de, jp, es) and
 *   the @faker-js/faker locales that scripts/gen-name-data.ts leaves out (uk Cyrillic, zh_TW, he);
 * - streets, cities, cards, phones, SSNs, IPs: chance; Ukrainian/Taiwanese/Hebrew streets: faker's
 *   held-out locales;
 * - sentences: templates written for this set only (not those of scripts/gen-pii-corpus.ts nor the
 *   presidio set), in two groups: `templated` (chat/record/list shapes) and `prose` (biography-like
 *   sentences in nine languages with organisations, places and years as unlabelled distractors).
 */
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { usSsnValid } from '../src/guard/validators.js';

const here = dirname(fileURLToPath(import.meta.url));
const modules = process.argv[2] ?? '/tmp/names/node_modules';
const require = createRequire(join(modules, 'x.js'));
const { Chance } = require('chance') as { Chance: new (seed: number) => any };
const fakerMod = (await import(pathToFileURL(join(modules, '@faker-js', 'faker', 'dist', 'index.js')).href)) as any;
const c = new Chance(20261201);
const fakers = ['uk', 'zh_TW', 'he'].map((l) => new fakerMod.Faker({ locale: [fakerMod.allLocales[l], fakerMod.allLocales.en], seed: 11 }));
for (const f of fakers) f.seed(11);

interface Span {
  type: string;
  start: number;
  end: number;
}
interface Example {
  text: string;
  spans: Span[];
  set: 'templated' | 'templated-b' | 'prose';
  lang: string;
}

const pick = <T>(xs: readonly T[]): T => xs[c.integer({ min: 0, max: xs.length - 1 })] as T;
const NAT_FIRST = ['en', 'it', 'nl', 'fr'];
const NAT_LAST = ['en', 'it', 'nl', 'uk', 'de', 'jp', 'es', 'fr'];
const first = (): string => c.first({ nationality: pick(NAT_FIRST) });
const last = (): string => c.last({ nationality: pick(NAT_LAST) });

/** Fills `{slot}`s; values given as [type, text] are labelled, plain strings are not. */
function fill(template: string, slots: Record<string, string | [string, string]>): { text: string; spans: Span[] } {
  let text = '';
  const spans: Span[] = [];
  const re = /\{(\w+)\}/g;
  let last = 0;
  for (let m = re.exec(template); m; m = re.exec(template)) {
    text += template.slice(last, m.index);
    const v = slots[m[1] as string];
    if (v === undefined) throw new Error(`no slot ${m[1]}`);
    if (typeof v === 'string') text += v;
    else {
      spans.push({ type: v[0], start: text.length, end: text.length + v[1].length });
      text += v[1];
    }
    last = m.index + m[0].length;
  }
  return { text: text + template.slice(last), spans };
}

const person = (v: string): [string, string] => ['person', v];
/** chance draws 9xx areas too (ITIN range, never an SSN): keep SSA-valid numbers only. */
function ssn(): string {
  for (;;) {
    const v = c.ssn() as string;
    if (usSsnValid(v.replace(/-/g, ''))) return v;
  }
}
const out: Example[] = [];

// ---------- templated (chat, records, lists) ----------
const obfuscate = (email: string): string => {
  const [user, domain] = email.split('@') as [string, string];
  return pick([
    () => `${user.replace(/\./g, ' dot ')} at ${domain.replace(/\./g, ' dot ')}`,
    () => `${user}[at]${domain}`,
    () => `${user} (at) ${domain.replace(/\./g, ' (dot) ')}`,
    () => `${user} @ ${domain}`,
  ])();
};
const TEMPLATED: Array<() => Example> = [
  () => ({ ...fill('Could you book a table for {p} on Friday?', { p: person(`${first()} ${last()}`) }), set: 'templated', lang: 'en' }),
  () => ({ ...fill("These notes came from {p}'s old laptop.", { p: person(`${first()} ${last()}`) }), set: 'templated', lang: 'en' }),
  () => ({ ...fill('I was the assistant to {p} for a year.', { p: person(`${first()} ${last()}`) }), set: 'templated', lang: 'en' }),
  () => ({
    ...fill('Maybe the booking is under {p}, can you check?', { p: person(`${first()} ${last()}`) }),
    set: 'templated',
    lang: 'en',
  }),
  () => ({ ...fill('{p} approved the budget this morning.', { p: person(`${first()} ${last()}`) }), set: 'templated', lang: 'en' }),
  () => {
    const l = last();
    return {
      ...fill('We met {p} at the fair. Later {l} sent the contract.', { p: person(`${first()} ${l}`), l: person(l) }),
      set: 'templated',
      lang: 'en',
    };
  },
  () => ({
    ...fill('Attendees:\n- {a}\n- {b}\n- {c}\n', {
      a: person(`${first()} ${last()}`),
      b: person(`${first()} ${last()}`),
      c: person(`${first()} ${last()}`),
    }),
    set: 'templated',
    lang: 'en',
  }),
  () => ({
    ...fill('Employee: {l}, {f} | Dept: Sales | Start: 2021-04-01', { l: person(last()), f: person(first()) }),
    set: 'templated',
    lang: 'en',
  }),
  () => ({
    ...fill('{a}: "Are you coming?"\n{b}: "In ten minutes."', { a: person(first()), b: person(first()) }),
    set: 'templated',
    lang: 'en',
  }),
  () => {
    const f = fakers[0];
    return {
      ...fill('Переслати лист {p} до понеділка.', { p: person(`${f.person.firstName()} ${f.person.lastName()}`) }),
      set: 'templated',
      lang: 'uk',
    };
  },
  () => {
    const f = fakers[1];
    return {
      ...fill('請聯絡{p}先生確認訂單。', { p: person(`${f.person.lastName()}${f.person.firstName()}`) }),
      set: 'templated',
      lang: 'zh',
    };
  },
  () => {
    const f = fakers[2];
    return {
      ...fill('שלחתי את הקובץ ל{p} אתמול', { p: person(`${f.person.firstName()} ${f.person.lastName()}`) }),
      set: 'templated',
      lang: 'he',
    };
  },
  // addresses
  () => ({ ...fill('Ship it to {a}, please.', { a: ['address', c.address()] }), set: 'templated', lang: 'en' }),
  () => ({
    ...fill('New address: {a}', { a: ['address', `${c.address()} Suite ${c.integer({ min: 1, max: 999 })}, ${c.city()}`] }),
    set: 'templated',
    lang: 'en',
  }),
  () => ({
    ...fill('I live at {a}.', {
      a: ['address', `${c.integer({ min: 1, max: 9999 })} ${c.capitalize(c.word({ syllables: 3 }))}, ${c.city()}`],
    }),
    set: 'templated',
    lang: 'en',
  }),
  () => ({ ...fill('Meet at the corner of {a}.', { a: ['address', `${c.street()} and ${c.street()}`] }), set: 'templated', lang: 'en' }),
  () => ({
    ...fill('Adresa: {a}', {
      a: ['address', `${fakers[0].location.street()}, ${c.integer({ min: 1, max: 200 })}, ${fakers[0].location.city()}`],
    }),
    set: 'templated',
    lang: 'uk',
  }),
  () => ({
    ...fill('Her office is in {city} {zip}.', {
      city: c.city().toUpperCase(),
      zip: ['postcode', String(c.integer({ min: 1000, max: 9999 }))],
    }),
    set: 'templated',
    lang: 'en',
  }),
  () => ({ ...fill('Postal code: {zip}', { zip: ['postcode', c.zip()] }), set: 'templated', lang: 'en' }),
  // numbers and e-mails
  () => {
    const type = pick(['Visa', 'Mastercard', 'American Express', 'Discover Card', 'JCB', 'Maestro', 'Diners Club International']);
    return { ...fill('Charge my card {cc} for the deposit.', { cc: ['credit_card', c.cc({ type })] }), set: 'templated', lang: 'en' };
  },
  () => {
    const cc = c.cc({ type: pick(['Visa', 'Mastercard']) }) as string;
    const grouped = cc.replace(/(\d{4})(?=\d)/g, `$1${pick([' ', '-', '.'])}`);
    return { ...fill('Card: {cc}', { cc: ['credit_card', grouped] }), set: 'templated', lang: 'en' };
  },
  () => ({ ...fill('Write to {e} when you land.', { e: ['email', obfuscate(c.email())] }), set: 'templated', lang: 'en' }),
  () => ({ ...fill('Reach me on {ph} after six.', { ph: ['phone', c.phone()] }), set: 'templated', lang: 'en' }),
  () => ({ ...fill('SSN {s} is on the form.', { s: ['us_ssn', ssn()] }), set: 'templated', lang: 'en' }),
  () => ({ ...fill('The server at {ip} is down.', { ip: ['ip_address', c.ip()] }), set: 'templated', lang: 'en' }),
  () => ({
    ...fill("Driver's license: {d}", {
      d: ['drivers_license', `${c.character({ alpha: true, casing: 'upper' })}${c.string({ length: 7, pool: '0123456789' })}`],
    }),
    set: 'templated',
    lang: 'en',
  }),
];

// ---------- prose (biography-like, nine languages) ----------
const y = (): number => c.integer({ min: 1700, max: 1990 });
const PROSE: Record<string, Array<(p: string, l: string) => string>> = {
  en: [
    (p, l) => `{p} (${y()}–${y() + 60}) was a painter from Ohio. In ${y()} {l} joined the Royal Academy in London.`,
    (p) => `The Boston Symphony Orchestra premiered a work by {p} at Carnegie Hall.`,
    (p, l) => `After the war, {p} taught at Harvard University; {l} retired in ${y()}.`,
  ],
  de: [
    (p, l) => `{p} (${y()}–${y() + 60}) war ein deutscher Architekt. Später zog {l} nach Hamburg.`,
    (p) => `Die Deutsche Bahn ernannte {p} im Jahr ${y()} zum Vorstand.`,
    (p, l) => `Nach dem Studium in Heidelberg arbeitete {p} beim Bundesamt für Statistik, bis {l} ${y()} starb.`,
  ],
  fr: [
    (p, l) => `{p} (${y()}-${y() + 60}) est un peintre français. En ${y()}, {l} s'installe à Lyon.`,
    (p) => `Le Musée du Louvre a acquis une toile de {p} en ${y()}.`,
  ],
  es: [
    (p, l) => `{p} (${y()}-${y() + 60}) fue un escritor mexicano. En ${y()} {l} viajó a Madrid.`,
    (p) => `La Universidad de Salamanca nombró a {p} profesor en ${y()}.`,
  ],
  it: [
    (p, l) => `{p} (${y()}-${y() + 60}) è stato un compositore italiano. Nel ${y()} {l} si trasferì a Torino.`,
    (p) => `Il Teatro alla Scala ospitò la prima opera di {p}.`,
  ],
  nl: [
    (p, l) => `{p} (${y()}-${y() + 60}) was een Nederlandse schilder. In ${y()} verhuisde {l} naar Utrecht.`,
    (p) => `Het Rijksmuseum kocht in ${y()} een werk van {p}.`,
  ],
  pl: [
    (p, l) => `{p} (${y()}-${y() + 60}) był polskim pisarzem. W ${y()} roku {l} zamieszkał w Krakowie.`,
    (p) => `Uniwersytet Jagielloński przyznał {p} nagrodę w ${y()} roku.`,
  ],
  pt: [
    (p, l) => `{p} (${y()}-${y() + 60}) foi um pintor brasileiro. Em ${y()}, {l} mudou-se para Lisboa.`,
    (p) => `A Universidade de Coimbra homenageou {p} em ${y()}.`,
  ],
  ru: [
    (p, l) => `{p} (${y()}—${y() + 60}) — украинский поэт. В ${y()} году {l} переехал в Киев.`,
    (p) => `Московский университет пригласил {p} в ${y()} году.`,
  ],
};
const NAT_BY_LANG: Record<string, string> = { en: 'en', de: 'de', fr: 'fr', es: 'es', it: 'it', nl: 'nl', pl: 'en', pt: 'es' };

function prose(lang: string): Example {
  let f: string;
  let l: string;
  if (lang === 'ru') {
    f = fakers[0].person.firstName();
    l = fakers[0].person.lastName();
  } else {
    f = c.first({ nationality: pick(NAT_FIRST) });
    l = c.last({ nationality: NAT_BY_LANG[lang] ?? 'en' });
  }
  const template = pick(PROSE[lang] as Array<(p: string, l: string) => string>)(`${f} ${l}`, l);
  return { ...fill(template, { p: person(`${f} ${l}`), l: person(l) }), set: 'prose', lang };
}

for (let i = 0; i < 1200; i++) out.push(pick(TEMPLATED)());
// Group B: templates written after the guard was tuned, never inspected for errors.
const TEMPLATED_B: Array<() => Example> = [
  () => ({ ...fill('Remind {p} about the dentist at 4.', { p: person(`${first()} ${last()}`) }), set: 'templated-b', lang: 'en' }),
  () => ({ ...fill('The keys are with {p} until Sunday.', { p: person(`${first()} ${last()}`) }), set: 'templated-b', lang: 'en' }),
  () => ({
    ...fill('Forwarded message from {p}:\nplease sign the attached form.', { p: person(`${first()} ${last()}`) }),
    set: 'templated-b',
    lang: 'en',
  }),
  () => ({ ...fill('{p} will cover the night shift, not me.', { p: person(`${first()} ${last()}`) }), set: 'templated-b', lang: 'en' }),
  () => ({
    ...fill('Order placed by {p} on 3 May, paid by card {cc}.', {
      p: person(`${first()} ${last()}`),
      cc: ['credit_card', c.cc({ type: pick(['Visa', 'Mastercard', 'American Express']) })],
    }),
    set: 'templated-b',
    lang: 'en',
  }),
  () => ({ ...fill('Signed for by: {l}, {f}', { l: person(last()), f: person(first()) }), set: 'templated-b', lang: 'en' }),
  () => ({
    ...fill('Thanks to {a} and {b} for the review.', { a: person(`${first()} ${last()}`), b: person(`${first()} ${last()}`) }),
    set: 'templated-b',
    lang: 'en',
  }),
  () => ({
    ...fill('Return address: {a}', { a: ['address', `${c.address()}, ${c.city()}, ${c.state()} ${c.zip()}`] }),
    set: 'templated-b',
    lang: 'en',
  }),
  () => ({ ...fill('Deliver to {a} before noon.', { a: ['address', `${c.address()}`] }), set: 'templated-b', lang: 'en' }),
  () => ({ ...fill('Send the invoice to {e}.', { e: ['email', c.email()] }), set: 'templated-b', lang: 'en' }),
  () => ({ ...fill('His mobile is {ph}.', { ph: ['phone', c.phone()] }), set: 'templated-b', lang: 'en' }),
  () => ({ ...fill('Her social security number: {s}', { s: ['us_ssn', ssn()] }), set: 'templated-b', lang: 'en' }),
  () => {
    const f = fakers[0];
    return {
      ...fill('Зустріч з {p} перенесли на четвер.', { p: person(`${f.person.firstName()} ${f.person.lastName()}`) }),
      set: 'templated-b',
      lang: 'uk',
    };
  },
];
for (let i = 0; i < 600; i++) out.push(pick(TEMPLATED_B)());
for (const lang of Object.keys(PROSE)) for (let i = 0; i < 60; i++) out.push(prose(lang));

const dir = join(here, '..', 'bench', 'data');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'pii-heldout.json'), JSON.stringify(out));
console.log(`${out.length} examples, ${out.reduce((n, e) => n + e.spans.length, 0)} spans`);
