/** Programmatic use: build and run a gateway in your own process. */
export { loadConfig, parseConfig } from './config/load.js';
export type { MeridianConfig } from './config/schema.js';
export { createGateway, createLogger, type Gateway, type GatewayOptions } from './gateway/gateway.js';
export { buildServices } from './gateway/build.js';
export { startMockServer } from './mock/server.js';
export { runScenarios } from './scenarios/runner.js';
export * from './errors.js';
export type * from './api/types.js';
export type { ProviderAdapter, Deployment, Location } from './providers/spec.js';
