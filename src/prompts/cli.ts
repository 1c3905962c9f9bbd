/**
 * `meridian prompts push|pull|list|show|diff|label|rollback`. Files `prompts/<name>.yaml` are the
 * source of truth when a team wants that: `push` syncs them into the store (a new version only
 * when the content changed), `pull` writes the store's versions back. The CLI opens the store
 * directly; it acts as the master key (may move protected labels) only when MERIDIAN_MASTER_KEY
 * is set in its environment.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { InvalidRequestError, PermissionDeniedError } from '../errors.js';
import { checkBaseUrl } from '../eval/cli.js';
import { DEFAULT_BASE_URL } from '../eval/gateway-client.js';
import { loadSuite } from '../eval/load-suite.js';
import { renderPretty } from '../eval/reporters/pretty.js';
import { runEval } from '../eval/runner.js';
import type { EvalRun, EvalSuite } from '../eval/types.js';
import { openStoreFromConfig, type CliIo, type OpenStore } from '../store/cli.js';
import type { Store } from '../store/types.js';
import { PromptRegistry, type Actor, type PromptRef, type ResolvedPrompt } from './registry.js';
import { renderMessages } from './render.js';
import { lineDiff } from './diff.js';

const defaultIo: CliIo = { out: (text) => process.stdout.write(`${text}\n`) };

function actor(env: NodeJS.ProcessEnv): Actor {
  return { name: `cli:${env.USER ?? env.USERNAME ?? 'unknown'}`, master: Boolean(env.MERIDIAN_MASTER_KEY) };
}

/** `7` is a version, anything else a label. */
function selector(name: string, sel: string | undefined): PromptRef {
  if (sel === undefined) return { name };
  return /^\d{1,9}$/.test(sel) ? { name, version: Number(sel) } : { name, label: sel };
}

interface LabelOptions {
  protect?: boolean;
  unprotect?: boolean;
  reason?: string;
  gate?: string;
  baseUrl?: string;
  apiKey?: string;
}

/** The suite did not pass with the version: the label was not moved (exit 1, like `meridian eval` below its threshold). */
export class GateFailedError extends Error {
  override readonly name = 'GateFailedError';
}

/** Runs the gate suite with the registered version on every target of the suite. */
function runGate(suite: EvalSuite, p: ResolvedPrompt, opts: LabelOptions, env: NodeJS.ProcessEnv): Promise<EvalRun> {
  const baseUrl = opts.baseUrl ?? (env.MERIDIAN_BASE_URL ? checkBaseUrl(env.MERIDIAN_BASE_URL) : DEFAULT_BASE_URL);
  const apiKey = opts.apiKey ?? env.MERIDIAN_API_KEY;
  const render = (vars: Record<string, unknown>): string => {
    try {
      return renderMessages(p.body, vars, [])
        .map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)))
        .join('\n');
    } catch {
      return `${p.name}@${p.version}`; // a missing variable: the gateway's 400 is the case's error
    }
  };
  return runEval(suite, { baseUrl, ...(apiKey ? { apiKey } : {}), registeredPrompt: { name: p.name, version: p.version, render } });
}

function positiveInt(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidRequestError(`${what} must be a positive integer; got '${v.slice(0, 20)}'.`, what);
  return n;
}

export function registerPromptCommands(
  program: Command,
  openStore: OpenStore = openStoreFromConfig,
  io: CliIo = defaultIo,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const withRegistry = async <T>(cmd: Command, fn: (r: PromptRegistry, store: Store) => Promise<T>): Promise<T> => {
    const { config } = cmd.optsWithGlobals<{ config?: string }>();
    const store = await openStore(config === undefined ? {} : { config });
    try {
      return await fn(new PromptRegistry(store), store);
    } finally {
      await store.close();
    }
  };
  const prompts = program.command('prompts').description('the prompt registry: versions, labels, files in prompts/*.yaml');

  prompts
    .command('push')
    .description('sync prompts/<name>.yaml files into the store: a new version only when the content changed')
    .argument('[dir]', 'folder of <name>.yaml files', 'prompts')
    .option('--label <label>', 'then point this label (e.g. staging) at each pushed version')
    .option('--note <text>', 'why (kept with the version and in the audit log)')
    .action(async (dir: string, opts: { label?: string; note?: string }, cmd: Command) => {
      const files = readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort();
      if (files.length === 0) return io.out(`No .yaml files in ${dir}.`);
      await withRegistry(cmd, async (registry) => {
        for (const file of files) {
          const name = basename(file).replace(/\.ya?ml$/, '');
          const pushed = await registry.push(name, parseYaml(readFileSync(join(dir, file), 'utf8')), actor(env), opts.note);
          io.out(`${name}: ${pushed.created ? `created version ${pushed.version}` : `unchanged (version ${pushed.version})`}`);
          if (opts.label) {
            await registry.setLabel(name, opts.label, pushed.version, actor(env), opts.note ? { reason: opts.note } : {});
            io.out(`${name}@${opts.label} → ${pushed.version}`);
          }
        }
      });
    });

  prompts
    .command('pull')
    .description('write each prompt (its latest version, or the one a label names) to <dir>/<name>.yaml')
    .argument('[dir]', 'folder to write', 'prompts')
    .option('--label <label>', 'the label to pull (default: latest)')
    .action(async (dir: string, opts: { label?: string }, cmd: Command) => {
      await withRegistry(cmd, async (registry, store) => {
        mkdirSync(dir, { recursive: true });
        for (const { name } of await store.prompts.listNames()) {
          const ref = opts.label ? { name, label: opts.label } : { name };
          const labelled = opts.label ? await store.prompts.getLabel(name, opts.label) : undefined;
          if (opts.label && !labelled) continue;
          const p = await registry.resolve(ref);
          writeFileSync(join(dir, `${name}.yaml`), toYaml(p.body));
          io.out(`${name}: version ${p.version} → ${join(dir, `${name}.yaml`)}`);
        }
      });
    });

  prompts
    .command('list')
    .description('prompts with their latest version and labels')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await withRegistry(cmd, async (_r, store) => {
        const rows = [];
        for (const n of await store.prompts.listNames()) rows.push({ ...n, labels: await store.prompts.listLabels(n.name) });
        if (opts.json) return io.out(JSON.stringify(rows, null, 2));
        if (rows.length === 0) return io.out('No prompts. Push some with: meridian prompts push');
        for (const r of rows)
          io.out(
            `${r.name}  latest=${r.latest}  ${r.labels.map((l) => `${l.label}=${l.version}${l.protected ? ' (protected)' : ''}`).join('  ')}`,
          );
      });
    });

  prompts
    .command('show')
    .description('a version as YAML (default: latest)')
    .argument('<name>')
    .argument('[version-or-label]')
    .action(async (name: string, sel: string | undefined, _opts: unknown, cmd: Command) => {
      await withRegistry(cmd, async (registry) => {
        const p = await registry.resolve(selector(name, sel));
        io.out(`# ${p.name}@${p.version}\n${toYaml(p.body)}`);
      });
    });

  prompts
    .command('diff')
    .description('what changed between two versions or labels (default: to latest)')
    .argument('<name>')
    .argument('<from>', 'version or label')
    .argument('[to]', 'version or label (default: latest)')
    .action(async (name: string, from: string, to: string | undefined, _opts: unknown, cmd: Command) => {
      await withRegistry(cmd, async (registry) => {
        const a = await registry.resolve(selector(name, from));
        const b = await registry.resolve(selector(name, to));
        io.out(`--- ${name}@${a.version}\n+++ ${name}@${b.version}`);
        io.out(lineDiff(toYaml(a.body), toYaml(b.body)).join('\n'));
      });
    });

  prompts
    .command('label')
    .description(
      'point a label at a version: `label NAME@VERSION LABEL` (or `label NAME LABEL VERSION`); --gate moves it only when a suite passes',
    )
    .argument('<name>', 'NAME, or NAME@VERSION / NAME@LABEL (the version that label points at)')
    .argument('<label>')
    .argument('[version]')
    .option('--protect', 'only the master key may move it afterwards')
    .option('--unprotect', 'anyone may move it afterwards')
    .option('--reason <text>', 'why (in the audit log)')
    .option('--gate <suite>', 'run this eval suite with the version first (through the gateway); move the label only when it passes')
    .option('--base-url <url>', `with --gate: gateway base URL (env MERIDIAN_BASE_URL; default ${DEFAULT_BASE_URL})`, checkBaseUrl)
    .option('--api-key <key>', 'with --gate: virtual key for the gateway (env MERIDIAN_API_KEY)')
    .action(async (nameArg: string, label: string, version: string | undefined, opts: LabelOptions, cmd: Command) => {
      if (opts.protect && opts.unprotect) throw new InvalidRequestError('Give --protect or --unprotect, not both.', 'protect');
      const protect = opts.protect ? true : opts.unprotect ? false : undefined;
      const at = nameArg.indexOf('@');
      if (at >= 0 === (version !== undefined))
        throw new InvalidRequestError('Name the version once: `label NAME@VERSION LABEL` or `label NAME LABEL VERSION`.', 'version');
      const name = at >= 0 ? nameArg.slice(0, at) : nameArg;
      const ref = at >= 0 ? selector(name, nameArg.slice(at + 1)) : { name, version: positiveInt(version!, 'version') };
      // Read before anything runs: a bad suite file fails fast, not after the store is open.
      const suite = opts.gate !== undefined ? loadSuite(opts.gate) : undefined;
      await withRegistry(cmd, async (registry, store) => {
        const resolved = await registry.resolve(ref);
        let reason = opts.reason;
        if (suite) {
          const current = await store.prompts.getLabel(name, label);
          // Refuse before a long eval run what setLabel would refuse after it.
          if ((current?.protected || protect !== undefined) && !actor(env).master)
            throw new PermissionDeniedError(
              current?.protected
                ? `The label "${label}" of "${name}" is protected: only the master key moves it.`
                : 'Only the master key protects or unprotects a label.',
              'label_protected',
              'label',
            );
          const run = await runGate(suite, resolved, opts, env);
          io.out(renderPretty(run));
          const summary = run.targets
            .map((t) => `${t.target} ${(t.passRate * 100).toFixed(1)}% (needs ${(t.threshold * 100).toFixed(0)}%)`)
            .join(', ');
          if (!run.ok)
            throw new GateFailedError(
              `gate failed: ${opts.gate} with ${name}@${resolved.version}: ${summary || 'no cases ran'}. ` +
                `The label "${label}" was not moved${current ? ` (still ${name}@${current.version})` : ''}.`,
            );
          io.out(`gate passed: ${opts.gate} with ${name}@${resolved.version}: ${summary} (run ${run.runId})`);
          reason = `${opts.reason ? `${opts.reason}; ` : ''}gate ${opts.gate} passed (run ${run.runId}: ${summary})`;
        }
        const rec = await registry.setLabel(name, label, resolved.version, actor(env), {
          ...(reason ? { reason } : {}),
          ...(protect !== undefined ? { protect } : {}),
        });
        io.out(`${name}@${label} → ${rec.version}${rec.protected ? ' (protected)' : ''}`);
      });
    });

  prompts
    .command('rollback')
    .description('move a label back: to --to, or to the version before the one it points at')
    .argument('<name>')
    .argument('<label>')
    .option('--to <version>', 'the version to move it to')
    .option('--reason <text>', 'why (in the audit log)')
    .action(async (name: string, label: string, opts: { to?: string; reason?: string }, cmd: Command) => {
      await withRegistry(cmd, async (registry) => {
        const rec = await registry.rollback(name, label, actor(env), {
          ...(opts.to !== undefined ? { to: positiveInt(opts.to, 'to') } : {}),
          ...(opts.reason ? { reason: opts.reason } : {}),
        });
        io.out(`${name}@${label} → ${rec.version}`);
      });
    });
}
