/**
 * POST /v1/audio/transcriptions and /v1/audio/translations (OpenAI's multipart wire format,
 * https://platform.openai.com/docs/api-reference/audio): the upload is streamed and bounded,
 * checked to be whole audio and measured from its own header, then admitted by the shared
 * pipeline as a Subject of kind `audio`. The router keeps it on local/private deployments unless
 * `audio.allowCloud` (global or on the alias) says otherwise, and needs `capability:audio`. The
 * transcript then goes through the guard (findings in `x-meridian-pii` and the log, never the
 * values), and the minutes are priced per deployment. docs/audio.md.
 */
import { InvalidRequestError, PayloadTooLargeError, toMeridianError } from '../errors.js';
import { formatPiiHeader } from '../guard/index.js';
import { wholeAsEvents } from '../providers/shared/transcription.js';
import type { AudioTask, Deployment, Transcription, TranscriptionEvent, TranscriptionRequest } from '../providers/spec.js';
import type { RoutePlan } from '../router/types.js';
import { formatRouteHeader } from '../router/index.js';
import type { MeridianConfig } from '../config/schema.js';
import { readMultipart } from '../server/multipart.js';
import { sendError } from '../server/http-util.js';
import { parseTranscriptionForm, probeAudio, type AudioProbe } from './audio-input.js';
import { renderTranscription } from './audio-render.js';
import type { RequestContext } from './context.js';
import { formatUsd } from './headers.js';
import { recordCost } from './metering.js';
import { admit, runPipeline, traced, type Pending, type Subject } from './pipeline.js';
import type { GatewayServices } from './services.js';

export function handleTranscriptions(g: GatewayServices, ctx: RequestContext): Promise<void> {
  return handleAudio(g, ctx, 'transcriptions');
}

export function handleTranslations(g: GatewayServices, ctx: RequestContext): Promise<void> {
  return handleAudio(g, ctx, 'translations');
}

/** The limits and privacy default that apply to `model`: the alias's `audio:` over the global block. */
export function audioPolicy(config: MeridianConfig, model: string): { allowCloud: boolean; maxBytes: number; maxSeconds: number } {
  const def = Object.hasOwn(config.models, model) ? config.models[model] : undefined;
  const own = def && !Array.isArray(def) ? def.audio : undefined;
  return {
    allowCloud: own?.allowCloud ?? config.audio.allowCloud,
    maxBytes: Math.min(own?.maxBytes ?? config.audio.maxBytes, config.audio.maxBytes),
    maxSeconds: own?.maxSeconds ?? config.audio.maxSeconds,
  };
}

async function handleAudio(g: GatewayServices, ctx: RequestContext, task: AudioTask): Promise<void> {
  // The global limit bounds the stream; an alias's smaller one is checked once the model is known.
  const form = await readMultipart(ctx.req, { maxFileBytes: g.config.audio.maxBytes });
  const request = parseTranscriptionForm(form, task);
  const policy = audioPolicy(g.config, request.model);
  if (request.file.data.length > policy.maxBytes) throw new PayloadTooLargeError(policy.maxBytes);
  const probe = await probeAudio(request.file);
  if (probe.seconds > policy.maxSeconds) {
    throw new InvalidRequestError(
      `The recording lasts ${probe.seconds} s, longer than the ${policy.maxSeconds} s '${request.model}' accepts (audio.maxSeconds).`,
      'file',
      'audio_too_long',
    );
  }
  const subject: Subject = {
    kind: 'audio',
    model: request.model,
    // Nothing to inspect before transcription: the transcript is inspected after it.
    view: { model: request.model, messages: [] },
    inspectable: false,
    estimatedPromptTokens: 0,
    expectedOutputTokens: 0,
    audioSeconds: probe.seconds,
    audioCloud: policy.allowCloud,
  };
  await runPipeline(g, ctx, { sendError }, { kind: 'audio', model: request.model, stream: false }, (pending) =>
    serveAudio(g, ctx, pending, request, subject, probe),
  );
}

async function serveAudio(
  g: GatewayServices,
  ctx: RequestContext,
  pending: Pending,
  request: TranscriptionRequest,
  subject: Subject,
  probe: AudioProbe,
): Promise<void> {
  const { entry } = pending;
  const { plan } = await admit(g, ctx, pending, subject);
  if (request.stream) return serveAudioStream(g, ctx, pending, request, plan, probe);
  const result = await g.router.execute(
    plan,
    traced(pending, (d: Deployment, signal: AbortSignal): Promise<Transcription> => {
      if (!d.provider.adapter.transcribe) {
        throw new InvalidRequestError(`Provider type '${d.provider.type}' has no speech-to-text API.`, 'model');
      }
      return d.provider.adapter.transcribe({ request: { ...request, model: d.model }, deployment: d, signal });
    }),
    ctx.signal,
  );
  result.release({ ok: true });
  const d = result.deployment;
  const transcript = result.value;

  // The transcript is as personal as the recording: report what it holds (types and counts only).
  if (g.guard && transcript.text) {
    const inspection = await g.guard.inspect({ model: request.model, messages: [{ role: 'user', content: transcript.text }] }, ctx.signal);
    if (Object.keys(inspection.counts).length) entry.pii = inspection.counts;
  }
  const cost = g.meter.costOfAudio(d, probe.seconds);
  recordCost(entry, cost, false);
  entry.promptTokens = 0;
  entry.completionTokens = 0;
  Object.assign(entry, { deployment: d.id, location: d.location, routeReason: result.reason, status: 200 });
  entry.attempts = [...entry.attempts, ...result.attempts];
  g.metrics?.routeDecision(plan.alias, d.id, result.reason);

  const rendered = renderTranscription(transcript, request, probe.seconds);
  const res = ctx.res;
  res.setHeader('x-meridian-route', formatRouteHeader({ deployment: d, reason: result.reason, strategy: plan.strategy }));
  res.setHeader('x-meridian-cost-usd', formatUsd(cost.usd));
  res.setHeader('x-meridian-audio-seconds', String(probe.seconds));
  if (entry.pii) res.setHeader('x-meridian-pii', formatPiiHeader(entry.pii));
  res.setHeader('content-type', rendered.contentType);
  res.setHeader('content-length', rendered.body.length);
  res.statusCode = 200;
  res.end(rendered.body);
}

/**
 * `stream=true`: OpenAI's transcription events as server-sent events — `transcript.text.delta` as
 * text comes, then `transcript.text.done` with the whole transcript
 * (https://platform.openai.com/docs/api-reference/audio/transcript-text-delta-event). Deployments
 * whose upstream streams are passed through event by event; the others transcribe whole and the
 * transcript is sent as the same events, so a client gets one protocol wherever the audio runs.
 * The price is known from the file before anything is sent, so it is a header; the guard's
 * findings in the transcript are known only at the end, so they go to the request log.
 */
async function serveAudioStream(
  g: GatewayServices,
  ctx: RequestContext,
  pending: Pending,
  request: TranscriptionRequest,
  plan: RoutePlan,
  probe: AudioProbe,
): Promise<void> {
  const { entry } = pending;
  const result = await g.router.execute(
    plan,
    traced(pending, async (d: Deployment, signal: AbortSignal): Promise<AsyncIterable<TranscriptionEvent>> => {
      const call = { request: { ...request, model: d.model }, deployment: d, signal };
      const adapter = d.provider.adapter;
      if (adapter.transcribeStream) return adapter.transcribeStream(call);
      if (!adapter.transcribe) throw new InvalidRequestError(`Provider type '${d.provider.type}' has no speech-to-text API.`, 'model');
      return wholeAsEvents((await adapter.transcribe(call)).text);
    }),
    ctx.signal,
  );
  const d = result.deployment;
  const cost = g.meter.costOfAudio(d, probe.seconds);
  recordCost(entry, cost, false);
  entry.promptTokens = 0;
  entry.completionTokens = 0;
  Object.assign(entry, { deployment: d.id, location: d.location, routeReason: result.reason, status: 200 });
  entry.attempts = [...entry.attempts, ...result.attempts];
  g.metrics?.routeDecision(plan.alias, d.id, result.reason);

  const res = ctx.res;
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    'x-meridian-route': formatRouteHeader({ deployment: d, reason: result.reason, strategy: plan.strategy }),
    'x-meridian-cost-usd': formatUsd(cost.usd),
    'x-meridian-audio-seconds': String(probe.seconds),
  });
  const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  let text = '';
  let ok = true;
  try {
    for await (const ev of result.value) {
      if (ctx.signal.aborted) break;
      if (ev.type === 'delta') {
        text += ev.delta;
        send('transcript.text.delta', { type: 'transcript.text.delta', delta: ev.delta });
      } else {
        text = ev.text;
        send('transcript.text.done', { type: 'transcript.text.done', text: ev.text });
      }
    }
  } catch (err) {
    ok = false;
    const e = toMeridianError(err);
    entry.status = e.status;
    entry.errorCode = e.code;
    // Headers are gone: the failure is the stream's last event, never a clean end.
    send('error', { type: 'error', ...e.toJSON() });
  } finally {
    result.release({ ok });
    res.end();
  }
  if (g.guard && text) {
    const inspection = await g.guard
      .inspect({ model: request.model, messages: [{ role: 'user', content: text }] }, ctx.signal)
      .catch(() => undefined);
    if (inspection && Object.keys(inspection.counts).length) entry.pii = inspection.counts;
  }
}
