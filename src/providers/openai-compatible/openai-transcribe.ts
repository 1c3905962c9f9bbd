/**
 * Speech to text on the OpenAI wire: `POST {baseUrl}/audio/transcriptions` (or `/translations`)
 * with the multipart form of https://platform.openai.com/docs/api-reference/audio/createTranscription .
 * The same path is served by faster-whisper servers (speaches), vLLM serving Whisper and LocalAI.
 * We ask for `verbose_json` when the client wants segments (srt, vtt, verbose_json) so the gateway
 * can render any format from one canonical answer; `json` otherwise (gpt-4o-transcribe accepts
 * only json and text).
 */
import { encodeMultipart, type FormPart } from '../shared/multipart-body.js';
import { readJson, upstreamRequest } from '../shared/http.js';
import { toTranscription } from '../shared/transcription.js';
import type { TranscribeCall, Transcription, TranscriptionRequest } from '../spec.js';

export function transcriptionForm(request: TranscriptionRequest, model: string): FormPart[] {
  const segments = request.responseFormat === 'srt' || request.responseFormat === 'vtt' || request.responseFormat === 'verbose_json';
  const parts: FormPart[] = [
    { name: 'file', data: request.file.data, filename: request.file.filename, contentType: request.file.contentType },
    { name: 'model', value: model },
    { name: 'response_format', value: segments ? 'verbose_json' : 'json' },
  ];
  if (request.language !== undefined && request.task === 'transcriptions') parts.push({ name: 'language', value: request.language });
  if (request.prompt !== undefined) parts.push({ name: 'prompt', value: request.prompt });
  if (request.temperature !== undefined) parts.push({ name: 'temperature', value: String(request.temperature) });
  for (const g of request.timestampGranularities ?? []) parts.push({ name: 'timestamp_granularities[]', value: g });
  return parts;
}

export async function openaiTranscribe(
  { request, deployment, signal }: TranscribeCall,
  auth: Record<string, string>,
): Promise<Transcription> {
  const provider = deployment.provider;
  const { body, contentType } = encodeMultipart(transcriptionForm(request, deployment.model));
  const res = await upstreamRequest(provider, {
    path: `/audio/${request.task}`,
    headers: { ...auth, 'content-type': contentType },
    body,
    signal,
    deployment: deployment.id,
  });
  const { json } = await readJson<unknown>(res, provider, deployment.id);
  return toTranscription(json, deployment.id);
}
