/**
 * Stored responses of the Responses API (docs/responses.md): saving a finished response, loading
 * the conversation `previous_response_id` names, and the read-back endpoints
 * `GET /v1/responses/{id}`, `DELETE /v1/responses/{id}`, `GET /v1/responses/{id}/input_items`.
 * Every lookup is scoped to the caller's tenant: another tenant's id is a 404, like an unknown one.
 * Writes go to the store directly (not the batched request log), so a response saved on one
 * replica can be continued on another the moment the client has it.
 * Reference: https://platform.openai.com/docs/api-reference/responses
 */
import type { ResponseObject } from '../api/responses/response.js';
import { assistantMessageOf, inputItemsOf, isResponseId, pageInputItems, quotableId } from '../api/responses/stored.js';
import type { InboundResponsesRequest } from '../api/responses/schema.js';
import type { ChatMessage } from '../api/types.js';
import { MeridianError } from '../errors.js';
import { sendJson } from '../server/http-util.js';
import type { StoredResponseRecord } from '../store/types.js';
import type { RequestContext } from './context.js';
import type { GatewayServices } from './services.js';

const tenantOf = (ctx: RequestContext): string => ctx.principal.tenant ?? '';

/** Whether this request's answer is stored: the request asks (OpenAI's default is yes), the operator allows, a store exists. */
export function storesResponse(g: GatewayServices, inbound: InboundResponsesRequest): boolean {
  return inbound.store !== false && g.config.responses.store && g.store !== undefined;
}

function previousNotFound(id: string): MeridianError {
  return new MeridianError(
    404,
    'invalid_request_error',
    'previous_response_not_found',
    `Previous response with id '${quotableId(id)}' not found.`,
    { param: 'previous_response_id' },
  );
}

function responseNotFound(id: string): MeridianError {
  return new MeridianError(404, 'invalid_request_error', 'response_not_found', `Response with id '${quotableId(id)}' not found.`);
}

/** The canonical conversation of the response `id` names (for `previous_response_id`); a 404 when there is none for this tenant. */
export async function loadConversation(g: GatewayServices, ctx: RequestContext, id: string): Promise<ChatMessage[]> {
  if (!g.store)
    throw new MeridianError(
      400,
      'invalid_request_error',
      'previous_response_not_found',
      'previous_response_id needs stored responses, and this gateway runs without a store: send the whole conversation in `input`.',
      { param: 'previous_response_id' },
    );
  if (!isResponseId(id)) throw previousNotFound(id);
  const rec = await g.store.responses.get(tenantOf(ctx), id);
  if (!rec) throw previousNotFound(id);
  return rec.messages as ChatMessage[];
}

/** One request of a conversation, as the wire saw it before the answer. */
export interface ResponsesTurn {
  inbound: InboundResponsesRequest;
  /**
   * Earlier turns and this input as canonical messages, before the guard's pseudonymization (real
   * values, as the client sent them), without the instructions or a prompt's messages.
   */
  conversation: ChatMessage[];
}

/**
 * Saves a finished response (the restored text the client sees); false when it could not be
 * (too large, store unreachable): the caller then answers `store: false`. Never throws.
 */
export async function saveResponse(
  g: GatewayServices,
  ctx: RequestContext,
  turn: ResponsesTurn,
  response: ResponseObject,
): Promise<boolean> {
  const store = g.store;
  if (!store) return false;
  const rec: Omit<StoredResponseRecord, 'expiresAt'> = {
    id: response.id,
    tenant: tenantOf(ctx),
    createdAt: new Date(response.created_at * 1000).toISOString(),
    model: response.model,
    response,
    inputItems: inputItemsOf(turn.inbound.input),
    messages: [...turn.conversation, assistantMessageOf(response.output)],
  };
  // A conversation grows with every turn: one stored row holds at most twice what one request body may carry.
  const limit = 2 * g.config.server.bodyLimitBytes;
  const size = Buffer.byteLength(JSON.stringify(rec.messages)) + Buffer.byteLength(JSON.stringify(rec.inputItems));
  if (size > limit) {
    g.logger.warn({ requestId: ctx.requestId, bytes: size, limit }, 'response not stored: the conversation is larger than the limit');
    return false;
  }
  try {
    await store.responses.save(rec, g.config.responses.retentionDays * 86_400);
    return true;
  } catch (err) {
    g.logger.warn({ requestId: ctx.requestId, err: (err as Error)?.message }, 'response not stored: the store refused it');
    return false;
  }
}

async function findStored(g: GatewayServices, ctx: RequestContext): Promise<StoredResponseRecord> {
  const id = ctx.params?.id ?? '';
  if (!g.store || !isResponseId(id)) throw responseNotFound(id);
  const rec = await g.store.responses.get(tenantOf(ctx), id);
  if (!rec) throw responseNotFound(id);
  return rec;
}

/** GET /v1/responses/{id}: the stored response object, as it was answered. */
export async function handleGetResponse(g: GatewayServices, ctx: RequestContext): Promise<void> {
  const rec = await findStored(g, ctx);
  sendJson(ctx.res, 200, rec.response);
}

/** DELETE /v1/responses/{id} */
export async function handleDeleteResponse(g: GatewayServices, ctx: RequestContext): Promise<void> {
  const id = ctx.params?.id ?? '';
  if (!g.store || !isResponseId(id) || !(await g.store.responses.delete(tenantOf(ctx), id))) throw responseNotFound(id);
  sendJson(ctx.res, 200, { id, object: 'response', deleted: true });
}

/** GET /v1/responses/{id}/input_items?limit=&order=&after= */
export async function handleListInputItems(g: GatewayServices, ctx: RequestContext): Promise<void> {
  const rec = await findStored(g, ctx);
  const url = ctx.req.url ?? '';
  const q = url.indexOf('?');
  sendJson(ctx.res, 200, pageInputItems(rec.inputItems, new URLSearchParams(q < 0 ? '' : url.slice(q + 1))));
}
