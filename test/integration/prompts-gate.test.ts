/**
 * `meridian prompts label NAME@VERSION LABEL --gate suite.yaml`: the suite runs through a real
 * gateway (in-process mock provider, loopback) with the registered version; the label moves only
 * when the suite passes its threshold, and a failing gate exits non-zero with the label unchanged.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { stringify as toYaml } from 'yaml';
import { GateFailedError, registerPromptCommands } from '../../src/prompts/cli.js';
import type { PromptLabelRecord, RequestLogEntry } from '../../src/store/types.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const MASTER = 'master-key-for-tests-0123456789';

describe('prompts label --gate', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'meridian-gate-'));
  const configFile = join(tmp, 'meridian.yaml');
  const suiteFile = join(tmp, 'suite.yaml');
  let gw: RunningGateway;
  const admin = async (path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${gw.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    assert.ok(res.status < 300, `${path}: ${res.status}`);
    return res.json();
  };
  const labels = async (): Promise<Record<string, number>> => {
    const p = (await admin('/admin/prompts?name=sr')) as { labels: PromptLabelRecord[] };
    return Object.fromEntries(p.labels.map((l) => [l.label, l.version]));
  };
  /** Runs `meridian -c <config> prompts …` in process; the output lines. */
  const cli = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<string[]> => {
    const out: string[] = [];
    const program = new Command().option('-c, --config <file>').exitOverride();
    registerPromptCommands(program, undefined, { out: (t) => out.push(t) }, { MERIDIAN_BASE_URL: `${gw.url}/v1`, ...env });
    await program.parseAsync(['node', 'meridian', '-c', configFile, 'prompts', ...args]);
    return out;
  };

  before(async () => {
    const store = { sqlite: join(tmp, 'meridian.db') };
    gw = await startGateway(
      {
        // The mock answers with the system prompt it was sent: what the version says decides the case.
        providers: [
          { id: 'mock', type: 'mock', location: 'local', options: { rulesInline: { rules: [{ match: {}, text: '{{system}}' }] } } },
        ],
        models: { support: [{ provider: 'mock', model: 'mock-small' }] },
        router: { healthIntervalMs: 0 },
        store,
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
    writeFileSync(configFile, toYaml({ store }));
    const version = (system: string) => ({
      type: 'chat',
      params: { temperature: 0 },
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: '{{question}}' },
      ],
    });
    await admin('/admin/prompts', { name: 'sr', prompt: version('Dear {{customer}}, thank you for writing.') });
    await admin('/admin/prompts', { name: 'sr', prompt: version('hey {{customer}} lol') });
    await admin('/admin/prompts/label', { name: 'sr', label: 'production', version: 1 });
    writeFileSync(
      suiteFile,
      toYaml({
        description: 'support tone',
        prompts: ['replaced by the registered version under --gate'],
        providers: [{ id: 'support', label: 'local' }],
        threshold: 1,
        tests: [
          {
            description: 'ada',
            vars: { customer: 'Ada', question: 'Where is my parcel?' },
            assert: [{ type: 'icontains', value: 'Dear Ada' }],
          },
          { description: 'bo', vars: { customer: 'Bo', question: 'Refund?' }, assert: [{ type: 'icontains', value: 'dear bo' }] },
        ],
      }),
    );
  });
  after(async () => {
    await gw?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('a failing suite: non-zero exit (GateFailedError), the result printed, the label unchanged', async () => {
    const out: string[] = [];
    const program = new Command().option('-c, --config <file>').exitOverride();
    registerPromptCommands(program, undefined, { out: (t) => out.push(t) }, { MERIDIAN_BASE_URL: `${gw.url}/v1` });
    await assert.rejects(
      program.parseAsync(['node', 'meridian', '-c', configFile, 'prompts', 'label', 'sr@2', 'production', '--gate', suiteFile]),
      (err: Error) => {
        assert.ok(err instanceof GateFailedError);
        assert.match(err.message, /gate failed: .*suite\.yaml with sr@2: local 0\.0% \(needs 100%\)/);
        assert.match(err.message, /The label "production" was not moved \(still sr@1\)/);
        return true;
      },
    );
    assert.match(out.join('\n'), /sr@2 \/ ada/, 'the report names the cases');
    assert.deepEqual(await labels(), { production: 1 });
    // The cases ran the registered version through the gateway, as production requests do.
    const log = (await admin('/admin/requests?alias=support&limit=10')) as { data: RequestLogEntry[] };
    assert.equal(log.data.filter((e) => e.promptVersion === 'sr@2').length, 2);
  });

  it('a passing suite moves the label, with the run in the audit reason; NAME LABEL VERSION still works', async () => {
    const out = await cli(['label', 'sr@production', 'staging', '--gate', suiteFile, '--reason', 'promote']);
    assert.match(out.join('\n'), /gate passed: .*with sr@1: local 100\.0% \(needs 100%\) \(run /);
    assert.equal(out.at(-1), 'sr@staging → 1');
    assert.deepEqual(await labels(), { production: 1, staging: 1 });
    const audit = (await admin('/admin/audit')) as { data: Array<{ action: string; target?: string; details?: { reason?: string } }> };
    const moved = audit.data.find((a) => a.target?.includes('staging'));
    assert.match(moved?.details?.reason ?? '', /^promote; gate .*suite\.yaml passed \(run .*: local 100\.0%/);

    assert.deepEqual(await cli(['label', 'sr', 'staging', '2']), ['sr@staging → 2']);
    await assert.rejects(cli(['label', 'sr@2', 'staging', '2']), /Name the version once/);
  });

  it('a protected label is refused before the suite runs, unless the CLI has the master key', async () => {
    await admin('/admin/prompts/label', { name: 'sr', label: 'production', version: 1, protect: true });
    const before = ((await admin('/admin/requests?alias=support&limit=1000')) as { data: unknown[] }).data.length;
    await assert.rejects(cli(['label', 'sr@1', 'production', '--gate', suiteFile]), /protected: only the master key moves it/);
    const after = ((await admin('/admin/requests?alias=support&limit=1000')) as { data: unknown[] }).data.length;
    assert.equal(after, before, 'nothing ran');
    const out = await cli(['label', 'sr@1', 'production', '--gate', suiteFile], { MERIDIAN_MASTER_KEY: MASTER });
    assert.equal(out.at(-1), 'sr@production → 1 (protected)');
  });
});
