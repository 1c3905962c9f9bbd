/** The meter: tokens, prices, local cost models, budgets, bench and break-even. */
export {
  createBudgets,
  formatDuration,
  periodWindow,
  type BudgetAmount,
  type BudgetContext,
  type BudgetDecision,
  type Budgets,
} from './budgets.js';
export { breakeven, dailyFromTotals, type BreakevenInputs, type BreakevenResult, type UsageTotals } from './breakeven.js';
export { getDefaultCatalog, PriceCatalog, type CatalogEntry, type CatalogMatch } from './catalog.js';
export {
  costOf,
  createPricer,
  estimateUsd,
  localPricePerMillion,
  priceUsage,
  type Cost,
  type EmbeddingUsage,
  type PriceCheck,
  type PricedTarget,
  type Pricer,
  type UnknownPriceWarning,
} from './pricing.js';
export { countCompletionTokens, countTokens, estimatePromptTokens, warmTokenizers, type TokenCount } from './tokens.js';
export { registerMeterCommands, type MeterCliDeps } from './cli.js';
export type { BudgetRule, LocalCostModel, PricingConfig, UnknownModelPolicy } from './config.js';
