/**
 * undici's connection-pool `Agent`, loaded without the rest of the package. `import { Agent } from
 * 'undici'` evaluates undici's whole index (fetch, WebSocket, EventSource, the cache and mock
 * interceptors, …): ~3 MB of heap and ~6 MB of RSS in every gateway process for code it never runs
 * (docs/performance.md, "Memory"). What the gateway uses is the Agent and the request API methods
 * (`dispatcher.request()`), which undici's index adds to `Dispatcher.prototype`
 * (`Object.assign(Dispatcher.prototype, api)`); this module does the same, with the same files.
 * test/unit/undici-agent.test.ts checks, in a fresh process, that this is undici's exported Agent
 * with its API and that the index stayed unloaded. Should a later undici move these files, the
 * whole package loads as before (and that test fails).
 */
import { createRequire } from 'node:module';
import type { Agent as UndiciAgent, Dispatcher } from 'undici';

const require = createRequire(import.meta.url);

function loadAgent(): { Agent: typeof UndiciAgent; alone: boolean } {
  try {
    const Agent = require('undici/lib/dispatcher/agent.js') as typeof UndiciAgent;
    const DispatcherClass = require('undici/lib/dispatcher/dispatcher.js') as { prototype: object };
    const api = require('undici/lib/api/index.js') as Partial<Dispatcher>;
    if (!(Agent.prototype instanceof (DispatcherClass as unknown as typeof Dispatcher)) || typeof api.request !== 'function') {
      throw new Error('unexpected undici layout');
    }
    Object.assign(DispatcherClass.prototype, api);
    return { Agent, alone: true };
  } catch {
    return { Agent: (require('undici') as typeof import('undici')).Agent, alone: false };
  }
}

const loaded = loadAgent();
export const Agent = loaded.Agent;
/** False when undici's layout changed and the whole package was loaded instead. */
export const agentLoadedAlone = loaded.alone;
