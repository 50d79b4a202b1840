import type { Snapshot, SnapshotModel } from '../../../src/engine/pricing/snapshot'
import type { ModelRates } from '../../../src/engine/pricing/types'

/** A small hand-made snapshot for matching rules the bundled one may not exercise. */
export function tinySnapshot(models: Record<string, Partial<SnapshotModel>>, aliases: Record<string, string> = {}): Snapshot {
  const full = Object.fromEntries(
    Object.entries(models).map(([name, m]) => [
      name,
      { provider: 'anthropic', input: 1, output: 2, cacheRead: 0.1, cacheWrite5m: 1.25, cacheWrite1h: 2, ...m },
    ]),
  )
  return {
    schema: 1,
    source: { package: 'test-prices', version: '1.0.0', format: 'litellm', pricesAsOf: '2026-01-01', generated: '2026-01-01' },
    units: 'USD per million tokens',
    rules: {},
    excluded: {},
    models: full,
    aliases,
  }
}

/** Flat rates for cost tests, USD per million tokens. */
export function flatRates(r: Partial<ModelRates> = {}): ModelRates {
  return { input: 3, output: 15, cacheRead: 0.3, cacheWrite5m: 3.75, cacheWrite1h: 6, matched: 'test', origin: 'snapshot', tiers: [], ...r }
}
