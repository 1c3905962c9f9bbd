/**
 * Speech to text on the OpenAI wire: `POST {baseUrl}/audio/transcriptions` (or `/translations`)
 * with the multipart form of https://platform.openai.com/docs/api-reference/audio/createTranscription .
 * The same path is served by faster-whisper servers (speaches), vLLM serving Whisper and LocalAI.
 * We ask for `verbose_json` when the client wants segments (srt, vtt, verbose_json) so the gateway
 * can render any format from one canonical answer; `json` otherwise (gpt-4o-transcribe accepts
 * only json and text).
 */
import { UpstreamError } from '../../errors.js';
import { encodeMultipart, type FormPart } from '../shared/multipart-body.js';
import { readJson, upstreamRequest } from '../shared/http.js';
import { sseEvents } from '../shared/sse.js';
import { toTranscription, wholeAsEvents } from '../shared/transcription.js';
import { tiedToBody } from '../shared/upstream-body.js';
import type { TranscribeCall, Transcription, TranscriptionEvent, TranscriptionRequest } from '../spec.js';

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

/**
 * `stream=true`: the upstream answers with server-sent `transcript.text.delta` events and one
 * `transcript.text.done` (https://platform.openai.com/docs/api-reference/audio/transcript-text-delta-event).
 * A server that ignores `stream` and answers JSON is served as one delta and the done event.
 */
export async function openaiTranscribeStream(
  { request, deployment, signal }: TranscribeCall,
  auth: Record<string, string>,
): Promise<AsyncIterable<TranscriptionEvent>> {
  const provider = deployment.provider;
  const parts = transcriptionForm({ ...request, responseFormat: 'json' }, deployment.model);
  parts.push({ name: 'stream', value: 'true' });
  const { body, contentType } = encodeMultipart(parts);
  const res = await upstreamRequest(provider, {
    path: `/audio/${request.task}`,
    headers: { ...auth, 'content-type': contentType },
    body,
    signal,
    deployment: deployment.id,
  });
  if (!String(res.headers['content-type'] ?? '').includes('text/event-stream')) {
    const { json } = await readJson<unknown>(res, provider, deployment.id);
    return wholeAsEvents(toTranscription(json, deployment.id).text);
  }
  return tiedToBody(res.body, transcriptEvents(sseEvents(res.body, signal, provider, deployment.id), deployment.id));
}

async function* transcriptEvents(
  events: AsyncIterable<{ event?: string; data: string }>,
  deployment: string,
): AsyncGenerator<TranscriptionEvent> {
  for await (const e of events) {
    let msg: { type?: string; delta?: unknown; text?: unknown; error?: { message?: unknown } };
    try {
      msg = JSON.parse(e.data) as typeof msg;
    } catch {
      throw new UpstreamError(`Upstream '${deployment}' sent a transcription event that is not JSON.`, { deployment });
    }
    const type = msg.type ?? e.event;
    if (type === 'transcript.text.delta' && typeof msg.delta === 'string') yield { type: 'delta', delta: msg.delta };
    else if (type === 'transcript.text.done' && typeof msg.text === 'string') {
      yield { type: 'done', text: msg.text };
      return;
    } else if (type === 'error' || msg.error) {
      throw new UpstreamError(
        `Upstream '${deployment}' failed mid-transcription: ${String(msg.error?.message ?? 'error event').slice(0, 500)}`,
        {
          deployment,
          upstreamStatus: 502,
        },
      );
    }
  }
  throw new UpstreamError(`Upstream '${deployment}' ended the transcription stream before transcript.text.done.`, {
    deployment,
    code: 'upstream_truncated',
  });
}
