/**
 * Writes the labelled privacy-guard corpus test/fixtures/pii/corpus.json (deterministic, seeded).
 * Run: npx tsx scripts/gen-pii-corpus.ts
 *
 * Values are generated to be valid by each type's own rules (Luhn cards with real issuer prefixes,
 * mod-97 IBANs with country lengths, SSA-valid SSNs, phone numbers valid per libphonenumber-js in
 * their region, formatted nationally and internationally). Person names come from a pool written
 * independently of src/guard/data (about a third of them are NOT in the guard's lists, to measure
 * the context cues). Hard negatives have no spans: Luhn-failing order numbers, version strings,
 * dates, amounts, hashes, UUIDs, capitalised non-names, code.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { IBAN_LENGTHS, luhnValid, usSsnValid } from '../src/guard/validators.js';

export interface CorpusSpan {
  type: string;
  start: number;
  end: number;
}
export interface CorpusExample {
  text: string;
  spans: CorpusSpan[];
  kind: 'positive' | 'negative';
}

let seed = 0x5eed1234;
function rand(): number {
  // mulberry32
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
const digits = (n: number): string => Array.from({ length: n }, () => String(int(0, 9))).join('');
const chars = (n: number, alphabet: string): string => Array.from({ length: n }, () => alphabet[int(0, alphabet.length - 1)]).join('');
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

// ---- names (independent pool; many are outside the guard's lists) ----
const FIRST = [
  'James',
  'Olivia',
  'Mohammed',
  'Priya',
  'Chen',
  'Sofia',
  'Lukas',
  'Amelie',
  'Mateo',
  'Ingrid',
  'Kwame',
  'Yuki',
  'Aleksander',
  'Fatima',
  'Liam',
  'Chloe',
  'Diego',
  'Hannah',
  'Noah',
  'Emma',
  'Ravi',
  'Ana',
  'Pierre',
  'Giulia',
  'Sven',
  'Anastasia',
  'Tomasz',
  'Elif',
  'Oluwaseun',
  'Aoife',
  'Rhys',
  'Carmen',
  'Jonas',
  'Leila',
  'Hiroshi',
  'Margaret',
  'Robert',
  'Patricia',
  'Daniel',
  'Isabella',
  'William',
  'Charlotte',
  'Michael',
  'Rebecca',
  'Thomas',
  'Thandiwe',
  'Xochitl',
  'Oisin',
  'Bartholomew',
  'Ngozi',
  'Tariq',
  'Svetlana',
  'Mireille',
  'Eero',
  'Björn',
  'Dagny',
  'Ximena',
  'Kenji',
  'Anneliese',
  'Radoslav',
  'Ifeoma',
  'Lorenzo',
  'Maximilian',
  'Saoirse',
  'Jorge',
  'Zofia',
  'Yusuf',
  'Camille',
  'Siddharth',
  'Astrid',
  'Benedikt',
  'Valentina',
  'Gaspard',
  'Emeric',
  'Wilhelmina',
  'Arvid',
  'Soraya',
  'Dmitri',
  'Ayesha',
  'Finnegan',
  'Marisol',
  'Cosimo',
  'Leopold',
  'Henrike',
  'Aurelio',
];
const LAST = [
  'Smith',
  'Johnson',
  'Garcia',
  'Müller',
  'Rossi',
  'Nguyen',
  'Kowalski',
  'Andersson',
  'Dubois',
  'Yamamoto',
  'Patel',
  'Okafor',
  'Silva',
  'Ivanova',
  'Hansen',
  'Fernández',
  'Murphy',
  'Schneider',
  'Kim',
  'Bianchi',
  'Novak',
  'Papadopoulos',
  'Yılmaz',
  'Haddad',
  'Jensen',
  'Virtanen',
  'Ferreira',
  'de Vries',
  'Wójcik',
  'Popescu',
  'Thompson',
  'Robinson',
  'Walker',
  'Martin',
  'Bernard',
  'Schmidt',
  'Lindqvist',
  'Kovačević',
  'Mensah',
  'Takahashi',
  'Featherstonehaugh',
  'Abernathy',
  'Okonjo-Iweala',
  'Vasquez-Ortega',
  'Drummond',
  'Quaresma',
  'Zielonka',
  'Ballantyne',
  'Ekwueme',
  'Holmqvist',
  'Achterberg',
  'Castellanos',
  'Raghunathan',
  'Szabó',
  'Oyelowo',
  'Kristoffersen',
  'Leclair',
  'Marchetti',
  'Sandoval',
  'Wilkinson',
  'Delacroix',
  'Brennan',
  'Halvorsen',
  'Nakashima',
  'Ostrowski',
  'Albescu',
];
const DOMAINS = [
  'gmail.com',
  'outlook.com',
  'example.org',
  'acme-corp.co.uk',
  'mail.example.de',
  'uni-heidelberg.de',
  'company.io',
  'yahoo.fr',
  'web.de',
  'proton.me',
  'hospital.nhs.uk',
  'firma.com.br',
  'posteo.net',
  'startup.ai',
];

function ascii(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ı/g, 'i')
    .replace(/[^A-Za-z\-]/g, '');
}
function email(first: string, last: string): string {
  const f = ascii(first).toLowerCase();
  const l = ascii(last).toLowerCase().replace(/-/g, '');
  const local = pick([
    `${f}.${l}`,
    `${f[0]}${l}`,
    `${f}_${l}${int(1, 99)}`,
    `${f}${l}`,
    `${f}+news`,
    `${l}.${f}`,
    `${f}.${l}${int(70, 99)}`,
    `${f[0]}.${l}`,
  ]);
  const d = pick(DOMAINS);
  return pick([local, local, local.toUpperCase().charAt(0) + local.slice(1)]) + '@' + d;
}

// ---- phone ----
const PHONE_REGIONS: CountryCode[] = ['US', 'GB', 'DE', 'FR', 'IN', 'AU', 'BR', 'ES', 'IT', 'NL', 'SE', 'CH', 'MX', 'CA', 'JP', 'PL', 'IE'];
function phone(): string {
  for (;;) {
    const region = pick(PHONE_REGIONS);
    const p = parsePhoneNumberFromString(digits(int(8, 11)), region);
    if (!p?.isValid()) continue;
    const national = p.formatNational();
    const intl = p.formatInternational();
    const style = int(0, 5);
    if (style === 0) return intl;
    if (style === 1) return national;
    if (style === 2) return p.number; // E.164
    if (style === 3) return intl.replace(/ /g, '-');
    if (style === 4 && region === 'US') return national.replace(/[()]/g, '').replace(' ', '-');
    return intl.replace(/^\+/, '00');
  }
}

// ---- cards ----
function luhnComplete(prefix: string, length: number): string {
  const body = prefix + digits(length - prefix.length - 1);
  for (let d = 0; d <= 9; d++) if (luhnValid(body + d)) return body + d;
  throw new Error('unreachable');
}
function card(): string {
  const kind = pick(['visa', 'visa', 'mc', 'mc2', 'amex', 'discover', 'jcb']);
  const n =
    kind === 'visa'
      ? luhnComplete('4', 16)
      : kind === 'mc'
        ? luhnComplete(String(int(51, 55)), 16)
        : kind === 'mc2'
          ? luhnComplete(String(int(2221, 2720)), 16)
          : kind === 'amex'
            ? luhnComplete(pick(['34', '37']), 15)
            : kind === 'discover'
              ? luhnComplete('6011', 16)
              : luhnComplete('35' + String(int(28, 89)), 16);
  const style = int(0, 2);
  if (n.length === 15) return style === 0 ? n : `${n.slice(0, 4)} ${n.slice(4, 10)} ${n.slice(10)}`;
  const groups = n.match(/.{4}/g) as string[];
  return style === 0 ? n : style === 1 ? groups.join(' ') : groups.join('-');
}
function notLuhn16(): string {
  for (;;) {
    const n = '4' + digits(15);
    if (!luhnValid(n)) return n;
  }
}

// ---- IBAN ----
const IBAN_COUNTRIES = ['DE', 'GB', 'FR', 'ES', 'IT', 'NL', 'BE', 'CH', 'AT', 'PL', 'SE', 'NO', 'DK', 'FI', 'PT', 'IE', 'LU', 'GR'];
function mod97(s: string): number {
  let rem = 0;
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    rem = c >= 65 ? (rem * 100 + (c - 55)) % 97 : (rem * 10 + (c - 48)) % 97;
  }
  return rem;
}
function iban(): string {
  const cc = pick(IBAN_COUNTRIES);
  const len = IBAN_LENGTHS[cc] as number;
  const bban = ['GB', 'IE', 'NL'].includes(cc) ? chars(4, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') + digits(len - 8) : digits(len - 4);
  const check = String(98 - mod97(bban + cc + '00')).padStart(2, '0');
  const compact = cc + check + bban;
  const style = int(0, 3);
  if (style === 0) return compact;
  if (style === 3) return compact.toLowerCase();
  return (compact.match(/.{1,4}/g) as string[]).join(' ');
}

// ---- SSN ----
function ssn(): string {
  for (;;) {
    const d = digits(9);
    if (!usSsnValid(d)) continue;
    return rand() < 0.85 ? `${d.slice(0, 3)}-${d.slice(3, 5)}-${d.slice(5)}` : `${d.slice(0, 3)} ${d.slice(3, 5)} ${d.slice(5)}`;
  }
}

// ---- IP ----
function ipv4(): string {
  return [int(1, 223), int(0, 255), int(0, 255), int(1, 254)].join('.');
}
function ipv6(): string {
  const groups = Array.from({ length: 8 }, () => int(0, 65535).toString(16));
  if (rand() < 0.5) return groups.join(':');
  return `${pick(['2001:db8', 'fe80', '2a02:8108', '2607:f8b0'])}::${groups.slice(5).join(':')}`;
}

// ---- secrets ----
function secret(): string {
  switch (int(0, 9)) {
    case 0:
      return `sk-proj-${chars(48, ALNUM + '_-')}`;
    case 1:
      return `sk-ant-api03-${chars(80, ALNUM + '_-')}`;
    case 2:
      return `AKIA${chars(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`;
    case 3:
      return `ghp_${chars(36, ALNUM)}`;
    case 4:
      return `github_pat_${chars(22, ALNUM)}_${chars(59, ALNUM)}`;
    case 5:
      return `xoxb-${digits(12)}-${digits(12)}-${chars(24, ALNUM)}`;
    case 6:
      return `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ${chars(40, ALNUM + '_-')}.${chars(43, ALNUM + '_-')}`;
    case 7:
      return `-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA${chars(60, ALNUM + '+/')}\n${chars(64, ALNUM + '+/')}\n-----END RSA PRIVATE KEY-----`;
    case 8:
      return `sk-${chars(48, ALNUM)}`;
    default:
      return chars(32, '0123456789abcdef');
  }
}

// ---- addresses ----
const STREET_NAMES = [
  'Maple',
  'Oak',
  'Washington',
  'Lincoln',
  'Sunset',
  'Highland',
  'Elm',
  'Cedar',
  'Park',
  'Lakeview',
  'Church',
  'Mill',
  'King',
  'Victoria',
  'Pine',
  'Willow',
];
function address(): string {
  switch (int(0, 8)) {
    case 0:
      return `${int(1, 9999)} ${pick(STREET_NAMES)} ${pick(['Street', 'St.', 'Avenue', 'Ave', 'Road', 'Rd.', 'Boulevard', 'Lane', 'Drive', 'Court', 'Way', 'Place'])}`;
    case 1:
      return `${int(1, 999)} ${pick(STREET_NAMES)} ${pick(['Street', 'Avenue', 'Drive'])}, ${pick(['Apt', 'Suite', 'Unit'])} ${int(1, 40)}${pick(['', 'B'])}, ${pick(['Springfield', 'Portland', 'Austin', 'Columbus'])}, ${pick(['IL', 'OR', 'TX', 'OH'])} ${digits(5)}`;
    case 2:
      return `${pick(['Haupt', 'Bahnhof', 'Goethe', 'Schiller', 'Linden', 'Berg', 'Garten'])}${pick(['straße', 'strasse', 'weg', 'gasse', 'allee', 'platz'])} ${int(1, 180)}${pick(['', 'a'])}`;
    case 3:
      return `${int(1, 120)} ${pick(['rue', 'avenue', 'boulevard'])} ${pick(['de la Paix', 'Victor Hugo', 'du Général Leclerc', 'des Lilas', 'Jean Jaurès'])}`;
    case 4:
      return `${pick(['Calle', 'Avenida', 'Paseo'])} ${pick(['Mayor', 'de la Castellana', 'del Prado', 'Gran Vía', 'San Vicente'])} ${int(1, 250)}`;
    case 5:
      return `${pick(['Via', 'Corso', 'Piazza', 'Viale'])} ${pick(['Roma', 'Garibaldi', 'Vittorio Emanuele', 'Dante', 'Mazzini'])} ${int(1, 200)}`;
    case 6:
      return `${pick(['Rua', 'Avenida', 'Travessa'])} ${pick(['das Flores', 'Augusta', 'do Comércio', 'Paulista', 'dos Andradas'])}, ${int(1, 2000)}`;
    case 7:
      return `${pick(['Keizers', 'Prinsen', 'Heren', 'Nørrebro', 'Drottning', 'Mannerheimin', 'Karl Johans'])}${pick(['gracht', 'straat', 'gade', 'gatan', 'tie', 'vej'])} ${int(1, 300)}`;
    default:
      return `Flat ${int(1, 20)}, ${int(1, 300)} ${pick(STREET_NAMES)} ${pick(['Road', 'Street', 'Lane', 'Close', 'Gardens'])}, London ${pick(['SW1A 1AA', 'EC1A 1BB', 'W1A 0AX', 'N1 9GU'])}`;
  }
}

function person(): string {
  const f = pick(FIRST);
  const l = pick(LAST);
  switch (int(0, 5)) {
    case 0:
      return `${f} ${l}`;
    case 1:
      return `${f} ${l}`;
    case 2:
      return f;
    case 3:
      return `${f} ${String.fromCharCode(int(65, 90))}. ${l}`;
    default:
      return `${f} ${l}`;
  }
}

// ---- templates ----
type Slot = 'email' | 'phone' | 'credit_card' | 'iban' | 'us_ssn' | 'ip_address' | 'secret' | 'person' | 'address' | 'title_person';
const GEN: Record<Slot, () => string> = {
  email: () => email(pick(FIRST), pick(LAST)),
  phone,
  credit_card: card,
  iban,
  us_ssn: ssn,
  ip_address: () => (rand() < 0.7 ? ipv4() : ipv6()),
  secret,
  person,
  address,
  title_person: () => pick(LAST),
};
const TEMPLATES: string[] = [
  'Please contact {person} at {email} or {phone} about the renewal.',
  'My name is {person} and my card number is {credit_card}, expiring 09/27.',
  'Hi, I am {person}. You can reach me on {phone}.',
  'Transfer the deposit to IBAN {iban} (account holder: {person}).',
  'Employee {person}, SSN {us_ssn}, started on 2021-03-01.',
  'The server at {ip_address} refused the connection from {ip_address}.',
  'Here is my OpenAI key {secret}, why does it fail?',
  'export API_KEY={secret}',
  'Ship the parcel to {address} before Friday.',
  'Dr. {title_person} will see the patient tomorrow; phone {phone}.',
  'Ms. {title_person} asked us to update her address to {address}.',
  'Forwarding this from {email}: the invoice goes to {person}, {address}.',
  'Customer: {person}\nEmail: {email}\nPhone: {phone}\nCard: {credit_card}',
  'Can you write a polite reminder to {person} that the rent for {address} is late?',
  'Login attempts from {ip_address} used the token {secret}.',
  'Wire it to {iban}, reference INV-2024-0042.',
  'Her social security number is {us_ssn} and her phone is {phone}.',
  '{person} and {person} met to discuss the quarterly numbers.',
  'Summarize the call with {person} ({email}).',
  'Charge {credit_card} for the annual plan and email the receipt to {email}.',
  'Why is my connection string postgres://app_user:{pw}@db.internal:5432/prod not working?',
  'Bonjour, je suis {person}, mon numéro est {phone}.',
  'Hola, soy {person}. Mi dirección es {address}.',
  'Guten Tag, mein Name ist {person}, ich wohne in der {address}.',
  'The VPN assigns {ip_address}; the gateway is {ip_address}.',
  '{"name": "{person}", "email": "{email}", "phone": "{phone}"}',
  'Mr. {title_person} called from {phone} about order 77812.',
  'Thanks, {person}',
  'Please forget my old number and use {phone} from now on.',
  'aws_access_key_id = {secret}',
  'I talked to {person} yesterday about the migration.',
  'Patient {person}, DOB 1984-07-12, lives at {address}.',
  'Send the contract to {person} at {address} and copy {email}.',
  'Refund card ending in 4242? No, the full number is {credit_card}.',
  'Regards,\n{person}\n{phone}',
];
const NEGATIVES: Array<() => string> = [
  () => `Order number ${notLuhn16()} was shipped on ${2020 + int(0, 5)}-0${int(1, 9)}-1${int(0, 9)}.`,
  () => `Upgrade to version ${int(1, 12)}.${int(0, 9)}.${int(0, 20)}.${int(0, 99)} before Monday.`,
  () => `The release v${int(1, 20)}.${int(0, 9)}.${int(0, 9)} fixes the crash in 10.0.0.1.${int(2, 9)} parsing.`,
  () => `Python ${int(2, 3)}.${int(6, 12)}.${int(0, 9)} and Node ${int(16, 22)}.${int(0, 9)}.${int(0, 9)} are supported.`,
  () => `Total: $${int(1, 999)},${digits(3)},${digits(3)}.${digits(2)} across ${int(2, 90)} invoices.`,
  () => `Commit ${chars(40, '0123456789abcdef')} reverted the change.`,
  () =>
    `Request id ${chars(8, 'abcdef0123456789')}-${chars(4, 'abcdef0123456789')}-4${chars(3, 'abcdef0123456789')}-a${chars(3, 'abcdef0123456789')}-${chars(12, 'abcdef0123456789')} failed.`,
  () => `The Quarterly Report from the Finance Department is due on ${pick(['Monday', 'Tuesday', 'Friday'])}.`,
  () => `New York and San Francisco offices will close early for Thanksgiving.`,
  () => `Use the Strategy Pattern and the Observer Pattern in the Payment Module.`,
  () => `Meeting at ${int(1, 12)}:${int(10, 59)} in Room ${int(100, 499)}, Building ${int(1, 9)}.`,
  () => `Tracking number 1Z${chars(16, '0123456789ABCDEF')} is in transit.`,
  () => `ISBN 978-${int(0, 9)}-${digits(3)}-${digits(5)}-${int(0, 9)} is out of print.`,
  () => `The matrix has shape ${int(2, 999)}x${int(2, 999)} and ${digits(7)} nonzeros.`,
  () => `See RFC ${int(1000, 9999)} section ${int(1, 9)}.${int(1, 9)}.${int(1, 9)} for details.`,
  () => `Coordinates 48.${digits(4)}, 2.${digits(4)} point to the square.`,
  () => `Set max_tokens to ${int(100, 4096)} and temperature to 0.${int(1, 9)} in config.yaml.`,
  () => `The Great Barrier Reef and the Grand Canyon are on the list.`,
  () => `We sold ${int(100, 999)} ${digits(3)} units in Q${int(1, 4)} ${2000 + int(10, 25)}.`,
  () => `Call the function parse_args() with --port ${int(1024, 65535)} --host localhost.`,
  () => `Product SKU ${chars(3, 'ABCDEFGHJKLMNPQRSTUVWXYZ')}-${digits(5)}-${chars(2, 'ABCDEFGHJKLMNPQRSTUVWXYZ')} is discontinued.`,
  () => `The hash of the file is sha256:${chars(64, '0123456789abcdef')}.`,
  () => `Invoice ${digits(4)}-${digits(4)}-${digits(4)}-${digits(4)} is overdue.`,
  () => `Chapter ${int(1, 30)}: The Silent Forest, pages ${int(10, 99)}–${int(100, 300)}.`,
  () => `Use sk-learn and numpy ${int(1, 2)}.${int(0, 26)}.${int(0, 9)} for the model.`,
];

function fill(template: string): CorpusExample {
  let text = '';
  const spans: CorpusSpan[] = [];
  const re = /\{(\w+)\}/g;
  let pos = 0;
  for (let m = re.exec(template); m; m = re.exec(template)) {
    text += template.slice(pos, m.index);
    pos = m.index + m[0].length;
    const slot = m[1] as string;
    if (slot === 'pw') {
      const pw = chars(int(10, 16), ALNUM + '!#%');
      spans.push({ type: 'secret', start: text.indexOf('://') + 3, end: text.length + pw.length });
      text += pw;
      continue;
    }
    const value = GEN[slot as Slot]();
    const type = slot === 'title_person' ? 'person' : slot;
    spans.push({ type, start: text.length, end: text.length + value.length });
    text += value;
  }
  text += template.slice(pos);
  return { text, spans, kind: 'positive' };
}

export function generateCorpus(): CorpusExample[] {
  const out: CorpusExample[] = [];
  for (let i = 0; i < 1100; i++) out.push(fill(TEMPLATES[i % TEMPLATES.length] as string));
  for (let i = 0; i < 500; i++) out.push({ text: (NEGATIVES[i % NEGATIVES.length] as () => string)(), spans: [], kind: 'negative' });
  return out;
}

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, '..', 'test', 'fixtures', 'pii', 'corpus.json');
const corpus = generateCorpus();
writeFileSync(target, JSON.stringify(corpus, null, 0).replace(/\},\{"text"/g, '},\n{"text"') + '\n');
console.log(`wrote ${corpus.length} examples to ${target}`);
