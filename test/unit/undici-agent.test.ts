/**
 * The Agent loaded on its own (src/providers/undici-agent.ts) is undici's exported Agent, with the
 * request API, and undici's index stays unloaded: checked in a fresh process, where nothing else
 * has loaded undici. An undici upgrade that moves the files fails here, not silently.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const moduleUrl = new URL('../../src/providers/undici-agent.ts', import.meta.url).href;

test("the Agent is undici's own, with its request API, loaded without the rest of the package", () => {
  const script = `
    import { createRequire } from 'node:module';
    const { Agent, agentLoadedAlone } = await import(${JSON.stringify(moduleUrl)});
    const require = createRequire(${JSON.stringify(moduleUrl)});
    const indexLoaded = Object.keys(require.cache).some((k) => /undici[\\\\/]index\\.js$/.test(k));
    const agent = new Agent({ connections: 1 });
    const facts = { agentLoadedAlone, indexLoaded, request: typeof agent.request, stream: typeof agent.stream };
    const { Agent: exported } = await import('undici');
    facts.same = Agent === exported;
    await agent.close();
    console.log(JSON.stringify(facts));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    encoding: 'utf8',
  });
  assert.deepEqual(JSON.parse(out), { agentLoadedAlone: true, indexLoaded: false, request: 'function', stream: 'function', same: true });
});
