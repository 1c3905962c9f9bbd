/** Small helpers shared by recognizers: look at the words around a candidate span. */

/** The lower-cased text in a window before `start`. */
export function before(text: string, start: number, window = 40): string {
  return text.slice(Math.max(0, start - window), start).toLowerCase();
}

/** The lower-cased text in a window after `end`. */
export function after(text: string, end: number, window = 20): string {
  return text.slice(end, end + window).toLowerCase();
}

export function isWordChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

/** True when the characters just outside [start, end) are not letters/digits (a whole token). */
export function isBounded(text: string, start: number, end: number): boolean {
  return (start === 0 || !isWordChar(text.charCodeAt(start - 1))) && (end >= text.length || !isWordChar(text.charCodeAt(end)));
}
