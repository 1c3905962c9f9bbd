/** Recognizers from config: custom regexes (with an optional validator) and the deny-list. */
import type { CustomRecognizerConfig } from '../config.js';
import { runValidator } from '../validators.js';
import type { Finding, Recognizer } from '../types.js';

export function createCustomRecognizer(config: CustomRecognizerConfig): Recognizer {
  const flags = `g${config.flags.replace(/g/g, '')}`;
  const re = new RegExp(config.pattern, flags);
  return {
    type: config.type,
    scan(text: string, out: Finding[]): void {
      re.lastIndex = 0;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        if (m[0].length === 0) {
          re.lastIndex++; // an empty match would loop forever
          continue;
        }
        if (config.validator && !runValidator(config.validator, m[0])) continue;
        out.push({ type: config.type, start: m.index, end: m.index + m[0].length, score: config.score, value: m[0] });
      }
    },
  };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Every deny-listed value, case-insensitively, wherever it occurs; score 1 (always reported). */
export function createDenyListRecognizer(entries: Array<{ value: string; type: string }>): Recognizer | undefined {
  if (entries.length === 0) return undefined;
  const byValue = new Map(entries.map((e) => [e.value.toLowerCase(), e.type]));
  const re = new RegExp(
    [...byValue.keys()]
      .sort((a, b) => b.length - a.length)
      .map(escapeRegex)
      .join('|'),
    'gi',
  );
  return {
    type: 'denied',
    scan(text: string, out: Finding[]): void {
      re.lastIndex = 0;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        const type = byValue.get(m[0].toLowerCase()) ?? 'denied';
        out.push({ type, start: m.index, end: m.index + m[0].length, score: 1, value: m[0] });
      }
    },
  };
}
