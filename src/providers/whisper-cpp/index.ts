/**
 * whisper.cpp's `whisper-server` on its native endpoint: `POST {baseUrl}/inference`, multipart
 * with `file`, `temperature`, `response_format` (json | text | srt | vtt | verbose_json),
 * `language`, `prompt` and `translate`
 * (https://github.com/ggml-org/whisper.cpp/tree/master/examples/server , server.cpp's
 * `get_req_parameters`). The server loads one model at start, so the deployment's `model` is only
 * a name; every model behind it transcribes. It reads WAV unless started with `--convert`.
 * Errors come back as `{"error": "..."}`.
 */
import { InvalidRequestError } from '../../errors.js';
import { readJson, upstreamRequest } from '../shared/http.js';
import { encodeMultipart, type FormPart } from '../shared/multipart-body.js';
import { toTranscription } from '../shared/transcription.js';
import type { ChatResult, ProviderAdapter, TranscribeCall, Transcription } from '../spec.js';

function inferenceForm({ request }: TranscribeCall): FormPart[] {
  const parts: FormPart[] = [
    { name: 'file', data: request.file.data, filename: request.file.filename, contentType: request.file.contentType },
    // Always verbose: segments and language for every format the gateway renders.
    { name: 'response_format', value: 'verbose_json' },
    { name: 'translate', value: request.task === 'translations' ? 'true' : 'false' },
  ];
  if (request.language !== undefined) parts.push({ name: 'language', value: request.language });
  if (request.prompt !== undefined) parts.push({ name: 'prompt', value: request.prompt });
  if (request.temperature !== undefined) parts.push({ name: 'temperature', value: String(request.temperature) });
  return parts;
}

export const whisperCppAdapter: ProviderAdapter = {
  type: 'whisper-cpp',
  defaultCapabilities: { audio: true, tools: false, jsonSchema: false, vision: false, embeddings: false },

  chat(): Promise<ChatResult> {
    return Promise.reject(new InvalidRequestError('whisper-server only transcribes audio: send it to /v1/audio/transcriptions.', 'model'));
  },

  async transcribe(call: TranscribeCall): Promise<Transcription> {
    const { deployment, signal } = call;
    const provider = deployment.provider;
    const { body, contentType } = encodeMultipart(inferenceForm(call));
    const res = await upstreamRequest(provider, {
      path: '/inference',
      headers: { 'content-type': contentType },
      body,
      signal,
      deployment: deployment.id,
    });
    const { json } = await readJson<unknown>(res, provider, deployment.id);
    return toTranscription(json, deployment.id);
  },
};
