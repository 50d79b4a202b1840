import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { openStore } from '../../../src/engine/store/open-store'
import { applyBatch } from '../../../src/engine/ingest/apply-batch'
import { loadPriceTable } from '../../../src/engine/pricing/price-table'
import { createCoster } from '../../../src/engine/pricing/coster'
import { recostHistory } from '../../../src/engine/ingest/recost'
import { runReport } from '../../../src/engine/query/report'
import type { UsageEvent } from '../../../src/shared/usage'
import { tempDir } from '../../helpers/temp'

function ev(key: string, model: string, input: number, output: number, extra: Partial<UsageEvent> = {}): UsageEvent {
  return {
    key,
    ts: Date.parse('2026-04-01T10:00:00Z'),
    source: 'socket',
    userId: 'u',
    agentId: 'a',
    project: 'p',
    sessionId: 's',
    model,
    input,
    output,
    cacheRead: 0,
    cacheWrite: 0,
    cacheWrite1h: 0,
    ...extra,
  }
}

describe('re-costing history when prices change', () => {
  it('an override re-prices stored events and their aggregates; reported costs and other models stay', () => {
    const store = openStore(join(tempDir(), 'tw.db'))
    let prices = loadPriceTable()
    let cost = createCoster(prices)
    recostHistory(store, prices, cost)
    applyBatch(
      store,
      [
        {
          events: [
            ev('1', 'claude-sonnet-4-20250514', 1_000_000, 0),
            ev('2', 'my-local-model', 500, 500),
            ev('3', 'claude-sonnet-4-20250514', 1_000_000, 0, { reportedCostUsd: 0.5 }),
          ],
        },
      ],
      cost,
    )
    const before = runReport(store, { tz: 'UTC', groupBy: ['model'] })
    expect(before.rows.map((r) => [r.model, r.costUsd, r.unpricedTokens])).toEqual([
      ['claude-sonnet-4-20250514', 3.5, 0],
      ['my-local-model', 0, 1000],
    ])
    expect(before.unpricedModels).toEqual(['my-local-model'])

    prices = loadPriceTable({
      overrides: [
        { model: 'claude-sonnet-4-20250514', input: 2, output: 10 },
        { model: 'my-local-model', input: 1, output: 1 },
      ],
    })
    cost = createCoster(prices)
    expect(recostHistory(store, prices, cost).sort()).toEqual(['claude-sonnet-4-20250514', 'my-local-model'])
    const after = runReport(store, { tz: 'UTC', groupBy: ['model'] })
    expect(after.rows.map((r) => [r.model, r.costUsd, r.unpricedTokens, r.requests])).toEqual([
      ['claude-sonnet-4-20250514', 2.5, 0, 2],
      ['my-local-model', 0.001, 0, 1],
    ])
    expect(after.unpricedModels).toEqual([])
    // Same prices again: nothing to do.
    expect(recostHistory(store, prices, cost)).toEqual([])
    store.close()
  })
})
