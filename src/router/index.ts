/** The router's public surface. See docs/routing.md. */
export { createRouter, formatRouteHeader, NoEligibleDeploymentError, PolicyRuleDeniedError } from './router.js';
export type { RouterDeps, RouterInstance } from './router.js';
export { createHealthMonitor } from './health.js';
export type { HealthMonitor, HealthMonitorOptions } from './health.js';
export type { ErrorWithAttempts } from './executor.js';
export { isStrategyName } from './strategies.js';
export { policiesConfigSchema, routerConfigSchema, strategyNames } from './config.js';
export type { PolicyConfig, RouterConfig, StrategyName } from './config.js';
export type * from './types.js';
