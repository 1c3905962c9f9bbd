// A gateway in its own process for benchmarks: from the compiled build (dist/, as `npm start` runs
// it) by default, or from src/ when started with `--import tsx` and BENCH_SRC=1. Config comes as JSON
// in argv[2]. The logger is silent unless `log.level` says otherwise; then it is the one `meridian
// serve` builds (JSON lines on stdout, which the bench points at /dev/null). Messages: `stats` (CPU
// time, peak RSS, memory; `gc: true` collects first when run with --expose-gc), `close` (drain and
// flush the request log, then exit), `exit`.
import { pino } from 'pino';

const root = process.env.BENCH_SRC ? '../../src' : '../../dist';
// As `meridian serve` does first (MERIDIAN_HEAP_GROWING_PERCENT=0 measures V8's default): the
// young generation held small while the modules load (src/cli/main.ts), the old-generation step,
// the young generation's cap once it listens (MERIDIAN_MAX_SEMI_SPACE_MB=0 measures V8's maximum).
const { applyHeapTuning, capYoungGeneration, holdYoungGeneration, releaseYoungGeneration } = await import(`${root}/cli/heap-tuning.js`);
holdYoungGeneration();
applyHeapTuning();
// As src/cli/main.ts does for `meridian serve`: the guard's warm-up before the gateway's modules load.
const { warmUpGuardFirst } = await import(`${root}/cli/guard-first.js`);
await warmUpGuardFirst();
const { parseConfig } = await import(`${root}/config/load.js`);
const { createGateway, createLogger } = await import(`${root}/gateway/gateway.js`);
const { buildServices } = await import(`${root}/gateway/build.js`);

const config = parseConfig(JSON.parse(process.argv[2] ?? '{}'), process.env);
const logger = config.log.level === 'silent' ? pino({ level: 'silent' }) : createLogger(config.log.level, 'json');
const services = await buildServices(config, logger);
const gateway = createGateway(config, { logger, overrides: services.overrides, ...(services.routes ? { routes: services.routes } : {}) });
const url = await gateway.listen(0, '127.0.0.1');
releaseYoungGeneration();
capYoungGeneration();
process.send?.({ url });
process.on('message', (m) => {
  if (m.type === 'exit') process.exit(0);
  if (m.type === 'close') void gateway.close().then(() => process.exit(0));
  if (m.type === 'stats') {
    if (m.gc && globalThis.gc) globalThis.gc();
    const cpu = process.cpuUsage();
    process.send?.({
      type: 'stats',
      cpuMicros: cpu.user + cpu.system,
      maxRssKb: process.resourceUsage().maxRSS,
      mem: process.memoryUsage(),
    });
  }
});
process.on('disconnect', () => process.exit(0));
