#!/usr/bin/env node
/**
 * The `meridian` executable. Before any other module loads, V8's young generation is held at its
 * initial size (holdYoungGeneration in ./heap-tuning.ts): loading and building the gateway would
 * otherwise leave 15–30 MB of empty young generation committed before the first request. The
 * commands themselves are in ./program.ts, imported only after the hold is in place.
 */
import { holdYoungGeneration } from './heap-tuning.js';

holdYoungGeneration();
await import('./program.js');
