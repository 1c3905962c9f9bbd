/**
 * HTTP for the prompt registry and outcome feedback: the admin API (`/admin/prompts…`,
 * `/admin/feedback/summary`, master key) and `POST /v1/feedback` (a virtual key rates its own
 * tenant's requests). The logic lives in src/prompts; this file only parses and answers.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { InvalidRequestError, NotFoundError } from '../errors.js';
import { promptRegistryOf, variablesOf, type Actor, type PromptBody } from '../prompts/index.js';
import type { Route, RouteTable } from '../server/app.js';
import { readJsonBody, sendJson } from '../server/http-util.js';
import { parseTimeOrDuration, TIME_ARG_HINT } from '../store/time-arg.js';
import type { Store } from '../store/types.js';
import type { RequestContext } from './context.js';
import type { GatewayServices } from './services.js';

type Handler = (g: GatewayServices, ctx: RequestContext) => Promise<void>;
type Parse = <T>(ctx: RequestContext, schema: z.ZodType<T>, limit: number) => Promise<T>;

/** The admin API acts with the master key: it may move protected labels. */
const MASTER: Actor = { name: 'admin-api', master: true };
const reason = z.string().max(500).optional();
const version = z.number().int().positive().max(2_147_483_647);

const pushSchema = z.object({ name: z.string().max(100), prompt: z.unknown(), note: reason }).strict();
const labelSchema = z
  .object({ name: z.string().max(100), label: z.string().max(50), version, protect: z.boolean().optional(), reason })
  .strict();
const rollbackSchema = z.object({ name: z.string().max(100), label: z.string().max(50), to: version.optional(), reason }).strict();

/** Feedback fields are bounded: they are stored and shown on the dashboard. */
const feedbackSchema = z
  .object({
    request_id: z.string().min(1).max(200),
    score: z.number().finite().min(-1_000_000).max(1_000_000).optional(),
    label: z
      .string()
      .regex(/^[\x21-\x7e]{1,100}$/, 'label is 1-100 printable ASCII characters without spaces')
      .optional(),
    comment: z.string().max(2_000).optional(),
  })
  .strict()
  .refine((f) => f.score !== undefined || f.label !== undefined || f.comment !== undefined, {
    message: 'send at least one of score, label or comment',
  });

export function promptAdminRoutes(store: Store, guard: (fn: Handler) => Route, parse: Parse): RouteTable {
  const registry = promptRegistryOf(store);
  const routes: RouteTable = new Map();
  routes.set(
    'GET /admin/prompts',
    guard(async (_g, ctx) => {
      const name = query(ctx).get('name');
      if (!name) {
        sendJson(ctx.res, 200, { object: 'list', data: await store.prompts.listNames() });
        return;
      }
      const versions = await store.prompts.listVersions(name);
      if (versions.length === 0) throw new NotFoundError(`There is no prompt named "${name.slice(0, 100)}".`, 'prompt_not_found');
      sendJson(ctx.res, 200, {
        object: 'prompt',
        name,
        labels: await store.prompts.listLabels(name),
        versions: versions.map((v) => ({ ...v, variables: variablesOf(v.body as PromptBody) })),
      });
    }),
  );
  routes.set(
    'POST /admin/prompts',
    guard(async (g, ctx) => {
      const b = await parse(ctx, pushSchema, g.config.server.bodyLimitBytes);
      const pushed = await registry.push(b.name, b.prompt, MASTER, b.note);
      sendJson(ctx.res, pushed.created ? 201 : 200, { name: b.name, ...pushed });
    }),
  );
  routes.set(
    'POST /admin/prompts/label',
    guard(async (g, ctx) => {
      const b = await parse(ctx, labelSchema, g.config.server.bodyLimitBytes);
      const opts = { ...(b.reason ? { reason: b.reason } : {}), ...(b.protect !== undefined ? { protect: b.protect } : {}) };
      sendJson(ctx.res, 200, await registry.setLabel(b.name, b.label, b.version, MASTER, opts));
    }),
  );
  routes.set(
    'POST /admin/prompts/rollback',
    guard(async (g, ctx) => {
      const b = await parse(ctx, rollbackSchema, g.config.server.bodyLimitBytes);
      const opts = { ...(b.reason ? { reason: b.reason } : {}), ...(b.to !== undefined ? { to: b.to } : {}) };
      sendJson(ctx.res, 200, await registry.rollback(b.name, b.label, MASTER, opts));
    }),
  );
  routes.set(
    'GET /admin/feedback/summary',
    guard(async (_g, ctx) => {
      const since = query(ctx).get('since');
      sendJson(ctx.res, 200, { object: 'feedback.summary', ...(await store.feedback.summary(sinceOf(since))) });
    }),
  );
  return routes;
}

/** POST /v1/feedback {request_id, score|label|comment}: 404 for an id this key's tenant never sent. */
export async function handleFeedback(g: GatewayServices, ctx: RequestContext): Promise<void> {
  if (!g.store) throw new InvalidRequestError('Feedback needs the store: this gateway runs without one.', null, 'feedback_unavailable');
  const r = feedbackSchema.safeParse(await readJsonBody(ctx.req, g.config.server.bodyLimitBytes));
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new InvalidRequestError(`Invalid '${i.path.join('.') || 'body'}': ${i.message}`, i.path.join('.') || null);
  }
  const f = r.data;
  const rec = {
    id: `fb_${randomUUID()}`,
    requestId: f.request_id,
    time: new Date().toISOString(),
    ...(ctx.principal.keyId !== undefined ? { keyId: ctx.principal.keyId } : {}),
    ...(f.score !== undefined ? { score: f.score } : {}),
    ...(f.label !== undefined ? { label: f.label } : {}),
    ...(f.comment !== undefined ? { comment: f.comment } : {}),
  };
  if (!(await g.store.feedback.add(rec, ctx.principal.tenant)))
    throw new NotFoundError(`No request with id "${f.request_id.slice(0, 200)}" was logged for this key's tenant.`, 'request_not_found');
  sendJson(ctx.res, 201, { id: rec.id, object: 'feedback', request_id: rec.requestId });
}

function query(ctx: RequestContext): URLSearchParams {
  return new URL(ctx.req.url ?? '/', 'http://x').searchParams;
}

/** `since`: an ISO time or a duration ago (`24h`), the last 7 days when absent. */
function sinceOf(v: string | null): string {
  if (!v) return new Date(Date.now() - 7 * 86_400_000).toISOString();
  const iso = parseTimeOrDuration(v);
  if (iso === undefined) throw new InvalidRequestError(`Query parameter 'since' must be ${TIME_ARG_HINT}.`, 'since'); // not echoed: it may be anything
  return iso;
}
