/** Starts a real gateway on 127.0.0.1:0 from a config object; logs are silent unless DEBUG is set. */
import { pino } from 'pino';
import { parseConfig } from '../../src/config/load.js';
import { buildServices } from '../../src/gateway/build.js';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/gateway/gateway.js';
import type { StoreOptions } from '../../src/store/options.js';

export interface RunningGateway {
  url: string;
  gateway: Gateway;
  close(): Promise<void>;
}

export async function startGateway(
  rawConfig: Record<string, unknown>,
  opts: GatewayOptions & { env?: NodeJS.ProcessEnv; storeOptions?: StoreOptions } = {},
): Promise<RunningGateway> {
  const config = parseConfig({ store: { sqlite: ':memory:' }, ...rawConfig }, process.env);
  const logger = pino({ level: process.env.DEBUG ? 'debug' : 'silent' });
  const built = await buildServices(config, logger, {
    env: opts.env ?? {},
    ...(opts.storeOptions ? { storeOptions: opts.storeOptions } : {}),
  });
  const extra = opts.routes;
  const { storeOptions: _s, ...gatewayOpts } = opts;
  const gateway = createGateway(config, {
    logger,
    ...gatewayOpts,
    // Test routes are added to the production ones (admin API, /metrics, dashboard).
    routes: (g) => new Map([...(built.routes?.(g) ?? []), ...(extra?.(g) ?? [])]),
    overrides: { ...built.overrides, ...opts.overrides },
  });
  const url = await gateway.listen(0, '127.0.0.1');
  return { url, gateway, close: () => gateway.close(1000) };
}
