/** Experiments: an alias splits its traffic between variants (prompt version × deployment) and reports on each. */
import type { MeridianConfig } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { compileExperiment, resolveVariantDeployment, type CompiledExperiment } from './assign.js';

export { assignVariant, compileExperiment, stickyKey, unitHash, type CompiledExperiment, type CompiledVariant } from './assign.js';
export { buildReport, formatReport, type ExperimentReport, type VariantReport } from './report.js';

/**
 * The experiments a config declares, by name, compiled without building providers (for the CLI,
 * which only reads the store). The gateway compiles them in its Catalog, with the same checks.
 */
export function experimentsOf(config: MeridianConfig): Map<string, CompiledExperiment> {
  const out = new Map<string, CompiledExperiment>();
  for (const [alias, def] of Object.entries(config.models)) {
    if (Array.isArray(def) || !def.experiment) continue;
    const ids = def.deployments.map((d) => ({ id: `${d.provider}/${d.model}`, providerId: d.provider }));
    const other = out.get(def.experiment.name);
    if (other)
      throw new ConfigError(
        `models.${alias}.experiment.name: '${other.name}' is already the experiment of '${other.alias}'; names must be unique.`,
      );
    const exp = compileExperiment(alias, def.experiment, (ref, path) => resolveVariantDeployment(ref, ids, alias, path));
    out.set(exp.name, exp);
  }
  return out;
}
