/**
 * ConverseStream (event-stream frames) → canonical stream events.
 * Events, by the `:event-type` header (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html ,
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStreamOutput.html):
 *   messageStart {role} → contentBlockStart {contentBlockIndex, start.toolUse{toolUseId,name}} →
 *   contentBlockDelta {contentBlockIndex, delta.text | delta.toolUse.input (JSON text) |
 *   delta.reasoningContent.text} → contentBlockStop → messageStop {stopReason} → metadata {usage}.
 * A failure after the 200 is a message with `:message-type: exception` and `:exception-type`
 * (throttlingException, validationException, modelStreamErrorException, …) whose payload is
 * `{"message"}`, or `:message-type: error` with `:error-code` / `:error-message` headers.
 *
 * Emitted in OpenAI order: role chunk → deltas → one finish chunk → one usage chunk (`choices: []`).
 * The finish chunk waits for the end of the body, because `metadata` (usage) follows messageStop.
 * A body that ends without messageStop was cut off: `upstream_truncated`.
 */
import type { ChatChunk, ChunkDelta, FinishReason, StreamEvent } from '../../api/types.js';
import { UpstreamError } from '../../errors.js';
import { newId, nowSeconds } from '../shared/ids.js';
import type { UpstreamBody } from '../shared/upstream-body.js';
import type { ProviderHandle } from '../spec.js';
import type { ContentBlockDeltaEvent, ContentBlockStartEvent, MessageStopEvent, MetadataEvent } from './bedrock-api.js';
import { scrubAws } from './bedrock-http.js';
import type { AwsCredentials } from './aws-credentials.js';
import { convertBedrockUsage } from './convert-bedrock-usage.js';
import { eventStreamMessages, stringHeader } from './event-stream.js';
import { mapBedrockFinishReason } from './map-bedrock-finish-reason.js';

/** HTTP statuses of the exceptions ConverseStream documents, for retry decisions. */
const EXCEPTION_STATUS: Record<string, number> = {
  throttlingException: 429,
  validationException: 400,
  serviceUnavailableException: 503,
  internalServerException: 500,
  modelStreamErrorException: 424,
};

export interface BedrockStreamContext {
  model: string;
  deployment: string;
  credentials: AwsCredentials;
  jsonToolName?: string;
}

export async function* bedrockStream(
  body: UpstreamBody,
  signal: AbortSignal,
  provider: ProviderHandle,
  ctx: BedrockStreamContext,
): AsyncGenerator<StreamEvent> {
  const { deployment } = ctx;
  const id = newId('chatcmpl');
  const created = nowSeconds();
  let started = false;
  let stopReason: string | undefined;
  let usage: MetadataEvent['usage'];
  let toolCalls = 0;
  let answeredWithJsonTool = false;
  /** contentBlockIndex → the tool call it streams (index in tool_calls), or 'json' for the JSON-mode tool. */
  const toolBlocks = new Map<number, number | 'json'>();

  const chunk = (delta: ChunkDelta, finish: FinishReason | null = null): StreamEvent => ({
    chunk: { id, object: 'chat.completion.chunk', created, model: ctx.model, choices: [{ index: 0, delta, finish_reason: finish }] },
  });
  const bad = (what: string) => new UpstreamError(`Upstream '${deployment}' sent ${what}.`, { deployment, upstreamStatus: 502 });

  for await (const message of eventStreamMessages(body, signal, provider, deployment)) {
    const kind = stringHeader(message, ':message-type');
    if (kind === 'exception' || kind === 'error') throw streamFailure(message, kind, ctx, provider);
    if (kind !== 'event') continue;
    const type = stringHeader(message, ':event-type');
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(Buffer.from(message.body).toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      throw bad(`a ${type ?? 'stream'} event whose payload is not JSON`);
    }
    if (payload === null || typeof payload !== 'object') throw bad('a stream event that is not a JSON object');
    if (!started) {
      started = true;
      yield chunk({ role: 'assistant', content: '' });
    }
    switch (type) {
      case 'contentBlockStart': {
        const e = payload as ContentBlockStartEvent;
        const tool = e.start?.toolUse;
        if (!tool) break;
        const block = typeof e.contentBlockIndex === 'number' ? e.contentBlockIndex : -1;
        if (ctx.jsonToolName && tool.name === ctx.jsonToolName) {
          toolBlocks.set(block, 'json');
          answeredWithJsonTool = true;
          break;
        }
        const index = toolCalls++;
        toolBlocks.set(block, index);
        yield chunk({
          tool_calls: [
            { index, id: tool.toolUseId ?? newId('call'), type: 'function', function: { name: tool.name ?? '', arguments: '' } },
          ],
        });
        break;
      }
      case 'contentBlockDelta': {
        const e = payload as ContentBlockDeltaEvent;
        const delta = e.delta ?? {};
        const block = typeof e.contentBlockIndex === 'number' ? e.contentBlockIndex : -1;
        if (typeof delta.text === 'string' && delta.text !== '') yield chunk({ content: delta.text });
        else if (typeof delta.reasoningContent?.text === 'string' && delta.reasoningContent.text !== '') {
          yield chunk({ reasoning_content: delta.reasoningContent.text });
        } else if (typeof delta.toolUse?.input === 'string' && delta.toolUse.input !== '') {
          const target = toolBlocks.get(block);
          if (target === undefined) throw bad(`tool input for content block ${block}, which never started`);
          // JSON mode: the forced tool's input is the answer text.
          if (target === 'json') yield chunk({ content: delta.toolUse.input });
          else yield chunk({ tool_calls: [{ index: target, function: { arguments: delta.toolUse.input } }] });
        }
        break;
      }
      case 'messageStop':
        stopReason = typeof (payload as MessageStopEvent).stopReason === 'string' ? (payload as MessageStopEvent).stopReason : 'end_turn';
        break;
      case 'metadata':
        usage = (payload as MetadataEvent).usage;
        break;
      default:
        // messageStart, contentBlockStop and future events carry nothing more.
        break;
    }
  }
  if (stopReason === undefined) {
    throw new UpstreamError(`Upstream '${deployment}' ended the stream before messageStop.`, {
      deployment,
      upstreamStatus: 502,
      code: 'upstream_truncated',
    });
  }
  let finish = mapBedrockFinishReason(stopReason);
  if (answeredWithJsonTool && toolCalls === 0 && finish === 'tool_calls') finish = 'stop';
  yield chunk({}, finish);
  const canonicalUsage = convertBedrockUsage(usage);
  if (canonicalUsage) {
    const last: ChatChunk = { id, object: 'chat.completion.chunk', created, model: ctx.model, choices: [], usage: canonicalUsage };
    yield { chunk: last };
  }
}

function streamFailure(
  message: Parameters<typeof stringHeader>[0],
  kind: 'exception' | 'error',
  ctx: BedrockStreamContext,
  provider: ProviderHandle,
): UpstreamError {
  let type: string | undefined;
  let detail = '';
  if (kind === 'exception') {
    type = stringHeader(message, ':exception-type');
    try {
      const j = JSON.parse(Buffer.from(message.body).toString('utf8')) as { message?: unknown; Message?: unknown };
      detail = typeof j.message === 'string' ? j.message : typeof j.Message === 'string' ? j.Message : '';
    } catch {
      detail = Buffer.from(message.body).toString('utf8').slice(0, 500);
    }
  } else {
    type = stringHeader(message, ':error-code');
    detail = stringHeader(message, ':error-message') ?? '';
  }
  const status = (type && EXCEPTION_STATUS[type]) || 502;
  const text = `Upstream '${ctx.deployment}' failed mid-stream: ${type ?? 'error'}${detail ? `: ${detail}` : ''}`;
  return new UpstreamError(scrubAws(text, ctx.credentials, provider), {
    deployment: ctx.deployment,
    upstreamStatus: status,
    ...(status === 429 ? { code: 'upstream_throttled' } : {}),
  });
}
