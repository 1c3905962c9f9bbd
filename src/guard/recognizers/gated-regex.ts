/**
 * A unicode global regex run only where a cheap regex says a match can start. V8 runs `\p{…}`
 * classes and lookbehinds at every character (about 15 ns each: 60 µs to find the capitals of a
 * 4 KB prompt); a pattern over plain ranges (`[A-Z\x80-\uffff]` for `\p{Lu}`: any non-ASCII
 * character might be a capital) scans the same text several times faster. The unicode pattern
 * then runs once, sticky, at each candidate.
 *
 * Same matches as the plain regex as long as `candidate` matches at every position where the
 * plain regex can start a match (it may match elsewhere too). test/unit/guard-gated-regex.test.ts
 * checks that on every vendored sample.
 */
export interface GlobalMatcher {
  lastIndex: number;
  exec(text: string): RegExpExecArray | null;
  /** The plain global regex this stands for. */
  readonly plain: RegExp;
  /** The (non-unicode, global) regex that finds the positions where it can match. */
  readonly candidate: RegExp;
}

/** Every gated regex built so far: the equivalence test runs them all against their plain twins. */
export const GATED_REGEXES: GlobalMatcher[] = [];

export function gatedRegex(plain: RegExp, candidate: RegExp): GlobalMatcher {
  if (!plain.global || !candidate.global) throw new Error('gatedRegex needs two global regexes');
  const sticky = new RegExp(plain.source, plain.flags.replace('g', '') + 'y');
  const matcher: GlobalMatcher = {
    plain,
    candidate,
    lastIndex: 0,
    exec(text: string): RegExpExecArray | null {
      candidate.lastIndex = this.lastIndex;
      for (let c = candidate.exec(text); c; c = candidate.exec(text)) {
        sticky.lastIndex = c.index;
        const m = sticky.exec(text);
        if (m) {
          this.lastIndex = sticky.lastIndex;
          return m;
        }
        // Candidates may overlap: the next one can start one character later.
        candidate.lastIndex = c.index + 1;
      }
      this.lastIndex = 0;
      return null;
    },
  };
  GATED_REGEXES.push(matcher);
  return matcher;
}
