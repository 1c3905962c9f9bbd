/**
 * The admin API of experiments (master key): `GET /admin/experiments` lists the configured ones;
 * `GET /admin/experiments?name=NAME&since=7d` reports one per variant (src/experiments/report.ts).
 * Routes match exactly, so the name is a query parameter (as for `GET /admin/prompts?name=`).
 */
import { InvalidRequestError, NotFoundError } from '../errors.js';
import { EXPERIMENT_NAME } from '../experiments/config.js';
import { buildReport } from '../experiments/index.js';
import type { Route, RouteTable } from '../server/app.js';
import { sendJson } from '../server/http-util.js';
import { parseTimeOrDuration, TIME_ARG_HINT } from '../store/time-arg.js';
import type { Store } from '../store/types.js';
import type { RequestContext } from './context.js';
import type { GatewayServices } from './services.js';

type Handler = (g: GatewayServices, ctx: RequestContext) => Promise<void>;

export function experimentAdminRoutes(store: Store, guard: (fn: Handler) => Route): RouteTable {
  return new Map([
    [
      'GET /admin/experiments',
      guard(async (g, ctx) => {
        const q = new URL(ctx.req.url ?? '/', 'http://x').searchParams;
        const name = q.get('name');
        if (name === null) {
          const data = g.catalog.experimentNames().map((n) => {
            const e = g.catalog.experiment(n)!;
            return {
              name: e.name,
              alias: e.alias,
              sticky: e.sticky,
              variants: e.variants.map((v) => ({
                name: v.name,
                weight: v.weight,
                share: v.weight / e.total,
                prompt: v.prompt,
                deployment: v.deployment,
              })),
            };
          });
          sendJson(ctx.res, 200, { object: 'list', data });
          return;
        }
        if (!EXPERIMENT_NAME.test(name))
          throw new InvalidRequestError("Query parameter 'name' must be an experiment name (a-z, 0-9, '.', '_', '-').", 'name');
        const since = sinceOf(q.get('since'));
        const experiment = g.catalog.experiment(name);
        const obs = await store.experiments.observations(name, since);
        // A past experiment (no longer configured) still has its rows; a name never seen is a 404.
        if (!experiment && obs.requests.length === 0)
          throw new NotFoundError(
            `There is no experiment named "${name}" in the config or the request log since ${since}.`,
            'experiment_not_found',
          );
        sendJson(ctx.res, 200, buildReport(name, experiment, obs, since));
      }),
    ],
  ]);
}

/** `since`: an ISO time or a duration ago (`24h`), the last 7 days when absent. */
function sinceOf(v: string | null): string {
  if (!v) return new Date(Date.now() - 7 * 86_400_000).toISOString();
  const iso = parseTimeOrDuration(v);
  if (iso === undefined)
    throw new InvalidRequestError(`Query parameter 'since' must be ${TIME_ARG_HINT}; got '${v.slice(0, 40)}'.`, 'since');
  return iso;
}
