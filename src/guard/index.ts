/**
 * The privacy guard as a library. The gateway calls, per request:
 *   const inspection = await guard.inspect(request, signal);  // facts for the router; yields, never rejects unless aborted
 *   if (inspection.action === 'block') → 4xx with Object.keys(inspection.counts)
 *   before a cloud attempt under 'pseudonymize':
 *     const { request: safe, restorer } = guard.pseudonymize(request, inspection);  // throws → do not send to cloud
 *     … response → restorer.restoreResponse(res); stream → restorer.restoreStream(events)
 *   header: x-meridian-pii: formatPiiHeader(inspection.counts)
 *   before logging or storing text that may echo the prompt (upstream errors): guard.scrub(text)
 * See docs/privacy.md.
 */
import type { ChatRequest } from '../api/types.js';
import { createBackends, type GuardDeps } from './backends/index.js';
import type { GuardConfig } from './config.js';
import { inspectRequest } from './inspect.js';
import { pseudonymizeRequest } from './pseudonymize.js';
import { createScanner } from './scan.js';
import { scrubText } from './scrub.js';
import type { Guard, Inspection } from './types.js';

export type { GuardCompleteFn, GuardCompletionRequest, GuardDeps } from './backends/index.js';
export { guardConfigSchema, type GuardConfig, type GuardConfigInput, type GuardAction } from './config.js';
export { formatPiiHeader } from './header.js';
export { stricterAction } from './inspect.js';
export { pseudonymizeFailed } from './pseudonymize.js';
export { createRestorer } from './restore.js';
export { makePlaceholder, PLACEHOLDER_RE } from './placeholder.js';
export { requestTexts } from './request-texts.js';
export { SCRUB_MAX_CHARS } from './scrub.js';
export type { Finding, FindingLocation, Guard, Inspection, LocatedFinding, Pseudonymized, RequestPath, Restorer } from './types.js';
export { BUILTIN_TYPES } from './types.js';

/**
 * Builds a guard from the validated `guard:` config section; recognizers are compiled once here.
 * `deps.complete` runs the `local-model` back-end's completions (see GuardCompleteFn for what it
 * must guarantee); without it a config naming a local-model back-end throws ConfigError.
 * Back-ends serve `inspect` only: `scanText` and `scrub` are synchronous and built-in.
 */
export function createGuard(config: GuardConfig, deps: GuardDeps = {}): Guard {
  const scanner = createScanner(config);
  const backends = createBackends(config, deps);
  return {
    inspect: (request: ChatRequest, signal?: AbortSignal): Promise<Inspection> =>
      inspectRequest(request, scanner, config, signal, backends),
    scanText: (text: string) => (config.enabled ? scanner.scan(text) : []),
    scrub: (text: string) => scrubText(text, scanner),
    pseudonymize: (request: ChatRequest, inspection: Inspection) => pseudonymizeRequest(request, inspection),
  };
}
