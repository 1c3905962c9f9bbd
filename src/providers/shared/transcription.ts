/**
 * A speech-to-text answer → the canonical Transcription. OpenAI's `json`/`verbose_json` bodies
 * (https://platform.openai.com/docs/api-reference/audio/verbose-json-object) and whisper.cpp's
 * `verbose_json` share this shape; a 200 carrying `{"error": …}` (both servers do it) fails over.
 */
import { UpstreamError } from '../../errors.js';
import type { Transcription, TranscriptionEvent } from '../spec.js';

/** Lenient: the text is required, the rest is kept when it has the documented shape. */
export function toTranscription(json: unknown, deployment: string): Transcription {
  const err = (json as { error?: unknown } | null)?.error;
  if (err !== undefined && err !== null) {
    const message =
      typeof err === 'string'
        ? err
        : typeof (err as { message?: unknown }).message === 'string'
          ? (err as { message: string }).message
          : 'unknown error';
    throw new UpstreamError(`Upstream '${deployment}' answered 200 with an error: ${message}`, {
      deployment,
      upstreamStatus: 502,
    });
  }
  const o = (json ?? {}) as Record<string, unknown>;
  if (typeof o.text !== 'string') {
    throw new UpstreamError(`Upstream '${deployment}' returned a body that is not a transcription.`, { deployment, upstreamStatus: 502 });
  }
  const out: Transcription = { text: o.text };
  if (typeof o.language === 'string') out.language = o.language;
  if (typeof o.duration === 'number') out.duration = o.duration;
  if (Array.isArray(o.segments)) {
    out.segments = o.segments
      .filter((s): s is Record<string, unknown> => typeof s === 'object' && s !== null)
      .map((s, i) => ({
        id: typeof s.id === 'number' ? s.id : i,
        start: Number(s.start) || 0,
        end: Number(s.end) || 0,
        text: typeof s.text === 'string' ? s.text : '',
      }));
  }
  if (Array.isArray(o.words)) {
    out.words = o.words
      .filter((w): w is Record<string, unknown> => typeof w === 'object' && w !== null && typeof w.word === 'string')
      .map((w) => ({ word: w.word as string, start: Number(w.start) || 0, end: Number(w.end) || 0 }));
  }
  return out;
}

/** A finished transcript as the events a streaming upstream would send: word-sized deltas, then done. */
export async function* wholeAsEvents(text: string): AsyncGenerator<TranscriptionEvent> {
  for (const piece of text.match(/\s*\S+/g) ?? []) yield { type: 'delta', delta: piece };
  yield { type: 'done', text };
}
