/** Pricing: the bundled snapshot, user overrides, exact/alias model matching and integer cost. */
export type { BucketRates, ModelRates, PriceTable } from './types'
export type { Snapshot, SnapshotModel, SnapshotSource } from './snapshot'
export type { LoadedPriceTable, PriceTableOptions } from './price-table'
export type { BilledTokens } from './cost'
export { defaultSnapshotPath, parseSnapshot, readSnapshot, snapshotPathCandidates } from './snapshot'
export { nameCandidates, normalizeModelName } from './model-name'
export { loadPriceTable } from './price-table'
export { costNanoUsd, promptTokens, ratesForPrompt } from './cost'
