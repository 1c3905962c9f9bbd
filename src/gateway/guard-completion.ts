/**
 * The privacy guard's local-model back-end asks a model to list personal data. That call runs
 * here, on the gateway's own catalog and router, and only ever on local or private deployments:
 * the text it carries is the raw prompt, so it must never reach a cloud API, whatever the policies
 * say. (The guard itself makes sure an inspection started inside this call runs no back-ends.)
 */
import type { MeridianConfig } from '../config/schema.js';
import { ConfigError, NoDeploymentError, PolicyDeniedError, toMeridianError } from '../errors.js';
import type { GuardCompleteFn } from '../guard/index.js';
import type { RequestFacts, Router } from '../router/types.js';
import type { Catalog } from './catalog.js';

/** Start-up (and reload) check: every local-model back-end names a model served only inside. */
export function checkGuardBackendModels(config: MeridianConfig, catalog: Catalog): void {
  config.guard.backends.forEach((b, i) => {
    if (b.type !== 'local-model') return;
    let deployments;
    try {
      deployments = catalog.resolve(b.model).deployments;
    } catch (err) {
      throw new ConfigError(`guard.backends[${i}].model: ${toMeridianError(err).message}`);
    }
    const cloud = deployments.filter((d) => d.location === 'cloud').map((d) => d.id);
    if (cloud.length) {
      throw new ConfigError(
        `guard.backends[${i}].model: '${b.model}' includes cloud deployments (${cloud.join(', ')}); the guard's model sees raw prompts, so name an alias of local or private deployments only.`,
      );
    }
  });
}

/** Runs a guard back-end's completion on the alias's local/private deployments (non-streaming, no tools). */
export function guardCompletion(services: { catalog: Catalog; router: Router }): GuardCompleteFn {
  return async ({ model, messages, signal }) => {
    const { catalog, router } = services;
    const resolved = catalog.resolve(model);
    const facts: RequestFacts = {
      kind: 'chat',
      alias: resolved.alias,
      tags: [],
      pii: {},
      dataPolicy: 'local-only', // allows local and private only: the planner fails closed
      hasTools: false,
      hasImages: false,
      estimatedPromptTokens: Math.ceil(messages.reduce((n, m) => n + (typeof m.content === 'string' ? m.content.length : 0), 0) / 4),
      responseFormat: 'text',
      stream: false,
    };
    const plan = router.plan(facts, resolved.deployments, resolved.strategy);
    const result = await router.execute(
      plan,
      async (d, attemptSignal) => {
        // Belt and braces: the plan already excludes them.
        if (d.location === 'cloud') throw new PolicyDeniedError(`The guard's model may not run on a cloud deployment (${d.id}).`);
        return d.provider.adapter.chat({ request: { model: d.model, messages, stream: false }, deployment: d, signal: attemptSignal });
      },
      signal,
    );
    try {
      if (result.value.type !== 'response')
        throw new NoDeploymentError(`The guard's model answered with a stream (${result.deployment.id}).`);
      const content = result.value.response.choices[0]?.message.content;
      return typeof content === 'string' ? content : '';
    } finally {
      result.release({ ok: true });
    }
  };
}
