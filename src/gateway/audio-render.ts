/**
 * The canonical transcription (OpenAI's `verbose_json` shape) rendered in the `response_format`
 * the client asked for, as OpenAI answers them
 * (https://platform.openai.com/docs/api-reference/audio/json-object , .../verbose-json-object):
 * `json` → `{ text }`, `text` → the text, `srt`/`vtt` → subtitles from the segments (one segment
 * over the whole file when the upstream gave none), `verbose_json` → the whole object.
 */
import type { AudioTask, Transcription, TranscriptionRequest, TranscriptionSegment } from '../providers/spec.js';

export interface RenderedTranscription {
  contentType: string;
  body: Buffer;
}

export function renderTranscription(t: Transcription, request: TranscriptionRequest, seconds: number): RenderedTranscription {
  switch (request.responseFormat) {
    case 'text':
      return text('text/plain; charset=utf-8', `${t.text}\n`);
    case 'srt':
      return text('text/plain; charset=utf-8', srt(segmentsOf(t, seconds)));
    case 'vtt':
      return text('text/vtt; charset=utf-8', vtt(segmentsOf(t, seconds)));
    case 'verbose_json':
      return json({
        task: taskName(request.task),
        language: t.language ?? request.language ?? 'unknown',
        duration: t.duration ?? seconds,
        text: t.text,
        segments: segmentsOf(t, seconds),
        ...(t.words ? { words: t.words } : {}),
      });
    default:
      return json({ text: t.text });
  }
}

function taskName(task: AudioTask): string {
  return task === 'translations' ? 'translate' : 'transcribe';
}

function segmentsOf(t: Transcription, seconds: number): TranscriptionSegment[] {
  if (t.segments?.length) return t.segments;
  return [{ id: 0, start: 0, end: t.duration ?? seconds, text: t.text }];
}

function srt(segments: TranscriptionSegment[]): string {
  return segments.map((s, i) => `${i + 1}\n${stamp(s.start, ',')} --> ${stamp(s.end, ',')}\n${s.text.trim()}\n`).join('\n');
}

function vtt(segments: TranscriptionSegment[]): string {
  return `WEBVTT\n\n${segments.map((s) => `${stamp(s.start, '.')} --> ${stamp(s.end, '.')}\n${s.text.trim()}\n`).join('\n')}`;
}

/** `HH:MM:SS,mmm` (SRT) or `HH:MM:SS.mmm` (WebVTT). */
export function stamp(seconds: number, sep: ',' | '.'): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}${sep}${pad(ms % 1000, 3)}`;
}

function text(contentType: string, s: string): RenderedTranscription {
  return { contentType, body: Buffer.from(s, 'utf8') };
}

function json(o: unknown): RenderedTranscription {
  return { contentType: 'application/json', body: Buffer.from(JSON.stringify(o)) };
}
