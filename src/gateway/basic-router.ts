/**
 * A minimal Router (alias order, fallback on retryable errors, never outside the allowed
 * locations). Used until the policy router is configured; the full one lives in src/router/.
 */
import { MeridianError, NoDeploymentError, toMeridianError } from '../errors.js';
import type { Deployment, Location } from '../providers/spec.js';
import { linkedSignal } from '../util/abort.js';
import type { AttemptRecord, ExecuteResult, RequestFacts, RoutePlan, Router } from '../router/types.js';

const ALL: Location[] = ['local', 'private', 'cloud'];

export function createBasicRouter(opts: { attemptTimeoutMs: number }): Router {
  const router: Router = {
    setHealth() {},
    explain(facts, candidates) {
      const p = router.plan(facts, candidates);
      return {
        alias: p.alias,
        strategy: p.strategy,
        rules: p.rules,
        eligible: p.attempts.map((a) => ({ deployment: a.deployment.id, location: a.deployment.location, reason: a.reason })),
        excluded: p.excluded,
        allowedLocations: p.allowedLocations,
      };
    },
    plan(facts: RequestFacts, candidates: Deployment[]): RoutePlan {
      const restricted = facts.guardAction === 'local-only' || facts.dataPolicy === 'local-only' || facts.budgetDowngrade;
      const allowedLocations: Location[] = restricted ? (facts.budgetDowngrade ? ['local'] : ['local', 'private']) : ALL;
      const attempts = candidates.filter((d) => allowedLocations.includes(d.location)).map((d) => ({ deployment: d, reason: 'priority' }));
      const excluded = candidates
        .filter((d) => !allowedLocations.includes(d.location))
        .map((d) => ({ deployment: d.id, rule: 'data-policy', reason: `location ${d.location} not allowed` }));
      if (attempts.length === 0) {
        throw new NoDeploymentError(`No deployment may serve '${facts.alias}': ${excluded.map((e) => `${e.deployment} (${e.reason})`).join('; ')}`);
      }
      return { alias: facts.alias, attempts, excluded, strategy: 'priority', rules: [], allowedLocations };
    },

    async execute<T>(plan: RoutePlan, run: (d: Deployment, s: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<ExecuteResult<T>> {
      const records: AttemptRecord[] = [];
      let last: MeridianError | undefined;
      for (const a of plan.attempts) {
        const t0 = performance.now();
        const timeout = a.deployment.provider.config.timeoutMs ?? opts.attemptTimeoutMs;
        const linked = linkedSignal(signal, timeout);
        try {
          const value = await run(a.deployment, linked.signal);
          records.push({ deployment: a.deployment.id, location: a.deployment.location, ok: true, latencyMs: performance.now() - t0 });
          return { value, deployment: a.deployment, reason: a.reason, attempts: records, release: () => {} };
        } catch (err) {
          last = toMeridianError(err);
          records.push({
            deployment: a.deployment.id,
            location: a.deployment.location,
            ok: false,
            error: { code: last.code, message: last.message, status: last.status },
            latencyMs: performance.now() - t0,
          });
          if (!last.isRetryable || signal.aborted) break;
        } finally {
          linked.dispose();
        }
      }
      throw Object.assign(last ?? new NoDeploymentError('No attempt was made.'), { attempts: records });
    },
  };
  return router;
}
