/**
 * The form fields of `POST /v1/audio/transcriptions|translations` in OpenAI's wire format
 * (https://platform.openai.com/docs/api-reference/audio/createTranscription), checked and
 * bounded, and the uploaded file checked to be whole audio: its duration is read from the
 * file's own header with music-metadata (WAV, MP3, OGG, FLAC, M4A…), which is what per-minute
 * prices, `audio.maxSeconds` and budgets use.
 */
import { parseBuffer } from 'music-metadata';
import { InvalidRequestError } from '../errors.js';
import type { AudioTask, TranscriptionRequest } from '../providers/spec.js';
import type { MultipartForm, UploadedFile } from '../server/multipart.js';

const RESPONSE_FORMATS = ['json', 'text', 'srt', 'vtt', 'verbose_json'] as const;
const GRANULARITIES = ['word', 'segment'] as const;
const KNOWN_FIELDS = new Set([
  'model',
  'language',
  'prompt',
  'response_format',
  'temperature',
  'timestamp_granularities[]',
  'timestamp_granularities',
  'stream',
  'chunking_strategy',
  'include[]',
]);

/** The form → the canonical request; every failure names the field. */
export function parseTranscriptionForm(form: MultipartForm, task: AudioTask): TranscriptionRequest {
  const one = (name: string): string | undefined => {
    const v = form.fields.get(name);
    if (v && v.length > 1) throw new InvalidRequestError(`The form field '${name}' is given ${v.length} times; send it once.`, name);
    return v?.[0];
  };
  for (const name of form.fields.keys()) {
    if (KNOWN_FIELDS.has(name)) continue;
    // A field name is client text: named back only when it looks like one.
    const shown = /^[\w[\].-]{1,64}$/.test(name) ? name : undefined;
    throw new InvalidRequestError(shown ? `Unknown form field '${shown}'.` : 'The form has a field with an unknown name.', shown ?? null);
  }
  const file = form.file;
  if (!file || file.field !== 'file') {
    throw new InvalidRequestError("The form has no 'file' part: send the recording as a file field named 'file'.", 'file', 'missing_file');
  }
  if (file.data.length === 0) throw new InvalidRequestError("The 'file' part is empty.", 'file', 'invalid_audio');
  const model = one('model');
  if (!model) throw new InvalidRequestError("The form field 'model' is required.", 'model');
  if (model.length > 256) throw new InvalidRequestError("The form field 'model' is longer than 256 characters.", 'model');

  const format = one('response_format') ?? 'json';
  if (!(RESPONSE_FORMATS as readonly string[]).includes(format)) {
    throw new InvalidRequestError(`'response_format' must be one of ${RESPONSE_FORMATS.join(', ')}.`, 'response_format');
  }
  const language = one('language');
  if (language !== undefined && !/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?$/.test(language)) {
    throw new InvalidRequestError("'language' must be an ISO-639 code such as 'en' or 'de'.", 'language');
  }
  const prompt = one('prompt');
  const rawTemp = one('temperature');
  let temperature: number | undefined;
  if (rawTemp !== undefined) {
    temperature = Number(rawTemp);
    if (rawTemp.trim() === '' || !Number.isFinite(temperature) || temperature < 0 || temperature > 1) {
      throw new InvalidRequestError("'temperature' must be a number between 0 and 1.", 'temperature');
    }
  }
  const grains = [...(form.fields.get('timestamp_granularities[]') ?? []), ...(form.fields.get('timestamp_granularities') ?? [])];
  for (const g of grains) {
    if (!(GRANULARITIES as readonly string[]).includes(g)) {
      throw new InvalidRequestError("'timestamp_granularities[]' values must be 'word' or 'segment'.", 'timestamp_granularities[]');
    }
  }
  const rawStream = one('stream');
  if (rawStream !== undefined && rawStream !== 'true' && rawStream !== 'false')
    throw new InvalidRequestError("'stream' must be true or false.", 'stream');
  const stream = rawStream === 'true';
  // OpenAI streams text only: segment formats are whole-file renderings.
  if (stream && format !== 'json' && format !== 'text') {
    throw new InvalidRequestError(
      "'stream' works with response_format json or text (srt, vtt and verbose_json need the whole transcript).",
      'stream',
    );
  }
  return {
    task,
    ...(stream ? { stream } : {}),
    file: { data: file.data, filename: safeFilename(file.filename), contentType: file.contentType },
    model,
    ...(language !== undefined ? { language } : {}),
    ...(prompt !== undefined ? { prompt } : {}),
    responseFormat: format as TranscriptionRequest['responseFormat'],
    ...(temperature !== undefined ? { temperature } : {}),
    ...(grains.length ? { timestampGranularities: [...new Set(grains)] as Array<'word' | 'segment'> } : {}),
  };
}

/** What the file's header says. */
export interface AudioProbe {
  /** `WAVE`, `MPEG`, `Ogg`, `FLAC`, `M4A/mp42`… as music-metadata names it. */
  container: string;
  seconds: number;
}

/**
 * Reads the container header. Not audio, no readable duration, or data shorter than the header
 * declares (a file cut short in transit) → 400 `invalid_audio`.
 */
export async function probeAudio(file: Pick<UploadedFile, 'data' | 'contentType'>): Promise<AudioProbe> {
  let meta;
  try {
    // The client's content type is only a hint: the bytes decide (mimeType omitted on purpose).
    meta = await parseBuffer(file.data, { size: file.data.length }, { duration: true, skipCovers: true });
  } catch {
    throw notAudio('is not an audio file Meridian can read (WAV, MP3, OGG, FLAC, M4A, WebM)');
  }
  const { container, duration } = meta.format;
  if (meta.quality.warnings.some((w) => TRUNCATED.test(w.message)))
    throw notAudio('is cut short: its header declares more audio than it holds');
  if (!container || duration === undefined || !Number.isFinite(duration) || duration <= 0) {
    throw notAudio('has no readable duration (not audio, or cut short)');
  }
  return { container, seconds: Math.round(duration * 1000) / 1000 };
}

/** music-metadata's warnings for a body shorter than its header says (its "size exceeds file size" fires on whole files too). */
const TRUNCATED = /length exceeding file length|truncated|unexpected end|end of (file|stream)/i;

function notAudio(why: string): InvalidRequestError {
  return new InvalidRequestError(`The uploaded 'file' ${why}.`, 'file', 'invalid_audio');
}

/** The filename goes upstream in a Content-Disposition header: printable ASCII, no quotes, bounded. */
function safeFilename(name: string): string {
  const clean = name.replace(/[^\x20-\x7e]|["\\]/g, '_').slice(-128);
  return clean || 'audio';
}
