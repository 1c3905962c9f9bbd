// The benchmark gateway from the compiled build (dist/), as `npm start` runs it: no TypeScript
// loader in the process, so CPU and RSS are the product's own. Same messages as gateway-process.ts.
import { pino } from 'pino';
import { parseConfig } from '../../dist/config/load.js';
import { createGateway } from '../../dist/gateway/gateway.js';
import { buildServices } from '../../dist/gateway/build.js';

const config = parseConfig(JSON.parse(process.argv[2] ?? '{}'), process.env);
const logger = pino({ level: 'silent' });
const services = await buildServices(config, logger);
const gateway = createGateway(config, { logger, overrides: services.overrides, ...(services.routes ? { routes: services.routes } : {}) });
const url = await gateway.listen(0, '127.0.0.1');
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
