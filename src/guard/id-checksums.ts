/**
 * Check digits of national identity numbers, for the national_id recognizer. Each function takes
 * the number with separators removed, upper case. Sources: the issuing authorities' published
 * rules as summarised in python-stdnum (https://arthurdejong.org/python-stdnum/, LGPL; rules
 * re-implemented here, no code copied).
 */

/** ES DNI (8 digits + letter) and NIE (X/Y/Z + 7 digits + letter): letter = number mod 23. */
export function esDniValid(s: string): boolean {
  const m = /^([XYZ]?)(\d{7,8})([A-Z])$/.exec(s);
  if (!m) return false;
  const prefix = m[1] ? String('XYZ'.indexOf(m[1])) : '';
  const digits = prefix + (m[2] as string);
  if (digits.length !== 8) return false;
  return 'TRWAGMYFPDXBNJZSQVHLCKE'.charAt(Number(digits) % 23) === m[3];
}

/** FR NIR (numéro de sécurité sociale): 13 characters (Corsica 2A/2B) + 2-digit key = 97 − n mod 97. */
export function frNirValid(s: string): boolean {
  if (!/^[12]\d{4}(?:\d{2}|2A|2B)\d{6}\d{2}$/.test(s)) return false;
  const body = s.slice(0, 13).replace('2A', '19').replace('2B', '18');
  const n = BigInt(body);
  return 97n - (n % 97n) === BigInt(s.slice(13));
}

const IT_ODD: Record<string, number> = Object.fromEntries(
  [...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'].map((c, i) => {
    const odd = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
    const k = i < 10 ? i : i - 10;
    return [c, odd[k] as number];
  }),
);
/** IT codice fiscale: 16 characters, the last a check letter over odd/even position tables. */
export function itCodiceFiscaleValid(s: string): boolean {
  if (!/^[A-Z]{6}[\dLMNPQRSTUV]{2}[A-EHLMPR-T][\dLMNPQRSTUV]{2}[A-Z][\dLMNPQRSTUV]{3}[A-Z]$/.test(s)) return false;
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const c = s.charAt(i);
    if (i % 2 === 0) sum += IT_ODD[c] as number;
    else sum += /\d/.test(c) ? Number(c) : c.charCodeAt(0) - 65;
  }
  return String.fromCharCode(65 + (sum % 26)) === s.charAt(15);
}

/** NL BSN: 9 digits, weighted 9..2 and −1 (the "elfproef"), sum divisible by 11. */
export function nlBsnValid(s: string): boolean {
  if (!/^\d{9}$/.test(s) || s === '000000000') return false;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number(s.charAt(i)) * (9 - i);
  sum -= Number(s.charAt(8));
  return sum % 11 === 0;
}

/** DE Steuerliche Identifikationsnummer: 11 digits, ISO 7064 MOD 11,10 check digit. */
export function deTaxIdValid(s: string): boolean {
  if (!/^[1-9]\d{10}$/.test(s)) return false;
  let product = 10;
  for (let i = 0; i < 10; i++) {
    let sum = (Number(s.charAt(i)) + product) % 10;
    if (sum === 0) sum = 10;
    product = (sum * 2) % 11;
  }
  const check = (11 - product) % 10;
  return check === Number(s.charAt(10));
}

/** DE Personalausweis (since 2010): 9 characters + check digit, weights 7,3,1, letters A=10… */
export function deIdCardValid(s: string): boolean {
  if (!/^[CFGHJKLMNPRTVWXYZ][CFGHJKLMNPRTVWXYZ\d]{8}\d$/.test(s)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) {
    const c = s.charCodeAt(i);
    const v = c <= 57 ? c - 48 : c - 55;
    sum += v * ([7, 3, 1][i % 3] as number);
  }
  return sum % 10 === Number(s.charAt(9));
}

// Verhoeff tables (dihedral group D5).
const VD = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VP = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];
/** IN Aadhaar: 12 digits, first 2–9, Verhoeff check digit. */
export function inAadhaarValid(s: string): boolean {
  if (!/^[2-9]\d{11}$/.test(s)) return false;
  let c = 0;
  for (let i = 0; i < s.length; i++) {
    const d = Number(s.charAt(s.length - 1 - i));
    c = (VD[c] as number[])[(VP[i % 8] as number[])[d] as number] as number;
  }
  return c === 0;
}

/** UK NHS number: 10 digits, weights 10..2, check = 11 − sum mod 11 (10 is invalid). */
export function ukNhsValid(s: string): boolean {
  if (!/^\d{10}$/.test(s)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(s.charAt(i)) * (10 - i);
  let check = 11 - (sum % 11);
  if (check === 11) check = 0;
  return check !== 10 && check === Number(s.charAt(9));
}
