import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { applyBatch } from '../../../src/engine/ingest/apply-batch'
import { openStore } from '../../../src/engine/store/open-store'
import { userTotals } from '../../../src/engine/query/user-totals'
import { tempDir } from '../../helpers/temp'
import { event } from '../ingest/support'

describe('per-user totals', () => {
  it('lifetime and the last 24 hours, biggest lifetime cost first; unpriced stays unpriced', () => {
    const store = openStore(join(tempDir(), 'tw.db'))
    const now = Date.parse('2026-03-04T12:07:00Z')
    const H = 3_600_000
    applyBatch(
      store,
      [
        {
          events: [
            event('a1', now - 30 * H, { userId: 'ana', output: 100, input: 0, cacheRead: 0 }),
            event('a2', now - 2 * H, { userId: 'ana', output: 10, input: 0, cacheRead: 0 }),
            event('b1', now - 23 * H - 59 * 60_000, { userId: 'bo', output: 7, input: 0, cacheRead: 0, model: 'mystery' }),
            event('b2', now + 1, { userId: 'bo', output: 1, input: 0, cacheRead: 0 }), // after now: lifetime only
          ],
        },
      ],
      (e) => (e.model === 'mystery' ? null : e.output * 1e7),
    )
    const t = userTotals(store, now)
    expect(
      t.map((u) => [
        u.userId,
        u.lifetime.output,
        u.lifetime.costUsd,
        u.lifetime.unpricedTokens,
        u.last24h.output,
        u.last24h.costUsd,
        u.last24h.unpricedTokens,
      ]),
    ).toEqual([
      ['ana', 110, 1.1, 0, 10, 0.1, 0],
      ['bo', 8, 0.01, 7, 7, 0, 7],
    ])
    store.close()
  })
})
