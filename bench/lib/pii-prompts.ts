/** 4 KB prompts for the guard speed benches: one dense with personal data, one ordinary prose. */

const DENSE_PARTS = [
  'Customer: Maria Lopez, maria.lopez@example.com, +1 415 555 0132, 221 Baker Street, Springfield, IL 62704.\n',
  'Please refund Mr. James O’Connor (card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00) today.\n',
  'Dr. Anna Schmidt lives at Hauptstraße 12, 10115 Berlin; her Steuer-ID is 65 929 970 489.\n',
  'SSN 078-05-1120 belongs to John Smith; NI number QQ 12 34 56 C; NHS number 943 476 5919.\n',
  'Call Priya Natarajan on 020 7946 0958 or write to priya.n@corp.co.uk; server 192.168.10.24 logs her logins.\n',
  'Driving licence MORGA657054SM9IJ 35 for Sarah Morgan, 14 Rue de Rivoli, 75001 Paris.\n',
  'Kenji Watanabe and Olga Petrova met Ivan Petrov at Calle de Alcalá 42, Madrid; DNI 12345678Z.\n',
  'hey, its natasha higuchi again, my number is 555-867-5309 and i live at 17 rijksweg 145.\n',
];
const SPARSE_PARTS = [
  'Please review the attached quarterly summary and draft a reply to the customer. ',
  'The service was migrated last week and latency improved by 12 percent on average. ',
  'Version 2.4.1 of the client fixes the retry bug; see ticket 48213 for the details. ',
  'The Berlin team will present the Q3 roadmap on Monday, including the new billing pipeline. ',
  'function add(a, b) { return a + b; } // a helper the team asked for in review.\n',
  'Contact Maria Lopez at maria.lopez@example.com if anything is unclear.\n',
];

function fill(parts: string[], chars: number): string {
  let s = '';
  for (let i = 0; s.length < chars; i++) s += parts[i % parts.length];
  return s.slice(0, chars);
}

export const densePrompt = (chars = 4096): string => fill(DENSE_PARTS, chars);
export const sparsePrompt = (chars = 4096): string => fill(SPARSE_PARTS, chars);

/** `count` copies of `text` with every digit replaced (seeded): the same shapes, numbers never seen. */
export function freshDigitVariants(text: string, count: number, seed = 7): string[] {
  let state = seed;
  const digit = (): string => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return String((state >>> 16) % 10);
  };
  return Array.from({ length: count }, () => text.replace(/\d/g, digit));
}
