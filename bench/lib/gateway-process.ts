/**
 * Runs a gateway in its own process for benchmarks and reports CPU time and peak RSS on request.
 * Config comes as JSON in argv[2].
 */
import { pino } from 'pino';
import { parseConfig } from '../../src/config/load.js';
import { createGateway } from '../../src/gateway/gateway.js';
import { buildServices } from '../../src/gateway/build.js';

const config = parseConfig(JSON.parse(process.argv[2] ?? '{}'), process.env);
const logger = pino({ level: 'silent' });
const services = await buildServices(config, logger);
const gateway = createGateway(config, { logger, overrides: services.overrides, ...(services.routes ? { routes: services.routes } : {}) });
const url = await gateway.listen(0, '127.0.0.1');
process.send?.({ url });
process.on('message', (m: { type: string }) => {
  if (m.type === 'exit') process.exit(0);
  // Drain and flush the request log first (what SIGTERM does in `meridian serve`).
  if (m.type === 'close') void gateway.close().then(() => process.exit(0));
  if (m.type === 'stats') {
    const cpu = process.cpuUsage();
    process.send?.({ type: 'stats', cpuMicros: cpu.user + cpu.system, maxRssKb: process.resourceUsage().maxRSS });
  }
});
process.on('disconnect', () => process.exit(0));
