/**
 * `{{name}}` substitution in scenario steps. Names come from (lowest first) the scenario's
 * `variables`, the environment entry, `--var`, and values extracted by earlier steps;
 * `{{env.NAME}}` reads the process environment. A string that is exactly one `{{name}}` takes the
 * variable's value with its type (so an extracted number stays a number).
 */
export class UnresolvedVariableError extends Error {
  constructor(readonly variable: string) {
    super(
      variable.startsWith('env.')
        ? `Environment variable ${variable.slice(4)} is not set (used as {{${variable}}}).`
        : `Variable '${variable}' is not defined: set it in the scenario's environment entry, 'variables', or with --var ${variable}=…`,
    );
  }
}

const WHOLE = /^\{\{\s*([\w.-]+)\s*\}\}$/;
const ANY = /\{\{\s*([\w.-]+)\s*\}\}/g;

export function lookup(name: string, vars: Record<string, unknown>, env: NodeJS.ProcessEnv): unknown {
  if (name.startsWith('env.')) {
    const v = env[name.slice(4)];
    if (v === undefined) throw new UnresolvedVariableError(name);
    return v;
  }
  if (!(name in vars) || vars[name] === undefined) throw new UnresolvedVariableError(name);
  return vars[name];
}

export function interpolate(value: unknown, vars: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole) return lookup(whole[1]!, vars, env);
    return value.replace(ANY, (_m, name: string) => {
      const v = lookup(name, vars, env);
      return typeof v === 'string' ? v : JSON.stringify(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, vars, env));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, vars, env)]));
  }
  return value;
}

export function interpolateString(value: string, vars: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): string {
  const v = interpolate(value, vars, env);
  return typeof v === 'string' ? v : JSON.stringify(v);
}
