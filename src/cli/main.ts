#!/usr/bin/env node
/**
 * The `meridian` executable. Before any other module loads, V8's young generation is held at its
 * initial size (holdYoungGeneration in ./heap-tuning.ts): loading and building the gateway would
 * otherwise leave 15–30 MB of empty young generation committed before the first request. The
 * commands themselves are in ./program.ts, imported only after the hold is in place.
 */
import cluster from 'node:cluster';
import { warmUpGuardFirst } from './guard-first.js';
import { holdYoungGeneration } from './heap-tuning.js';
import { invokedVerb, workersOption } from './verb.js';

holdYoungGeneration();
// A process that will serve requests builds the guard's first scanner before the gateway's modules
// load (./guard-first.ts: ~2 MB less RSS). Not a cluster primary started with --workers: it
// serves nothing. (One started by `server.workers` in the config file cannot be told apart yet.)
const args = process.argv.slice(2);
const workers = workersOption(args);
if (invokedVerb(args) === 'serve' && (cluster.isWorker || workers === undefined || workers === '1')) await warmUpGuardFirst();
await import('./program.js');
