import type { UsageEvent } from '../../shared/usage'
import { costNanoUsd } from './cost'
import type { Coster, PriceTable } from './types'

/**
 * Prices events: a cost the source reported itself wins (as ccusage's "auto" mode does); else
 * the price table's rates; else null, which the store keeps as unpriced, never as $0.
 */
export function createCoster(table: PriceTable): Coster {
  return (e: UsageEvent) => {
    if (e.reportedCostUsd !== undefined) return Math.round(e.reportedCostUsd * 1e9)
    const rates = table.resolve(e.model)
    return rates ? costNanoUsd(e, rates) : null
  }
}
