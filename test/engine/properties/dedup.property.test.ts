import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { join } from 'node:path'
import { applyBatch } from '../../../src/engine/ingest/apply-batch'
import { openStore } from '../../../src/engine/store/open-store'
import type { UsageEvent } from '../../../src/shared/usage'
import { tempDir } from '../../helpers/temp'
import { event, expectAggregatesMatchLedger, ledgerTotals, oracleTotals } from '../ingest/support'

const BASE = Date.parse('2026-03-01T10:00:00Z')

/**
 * Messages as Claude Code streams them: each key is seen several times with growing output; input
 * and cache stay put, except that a sighting may carry different cache figures. No two sightings of
 * a key tie on both output and total, and none share an instant (with a full tie the merge keeps
 * whichever came first, so only then could the order matter).
 */
const messages = fc.uniqueArray(
  fc.record({
    id: fc.string({ minLength: 1, maxLength: 6 }),
    input: fc.nat({ max: 5000 }),
    cacheRead: fc.nat({ max: 100_000 }),
    sightings: fc
      .uniqueArray(fc.record({ output: fc.nat({ max: 2000 }), extraCache: fc.nat({ max: 50 }), minute: fc.nat({ max: 180 }) }), {
        minLength: 1,
        maxLength: 5,
        selector: (s) => `${s.output}/${s.extraCache}`,
      })
      .filter((ss) => new Set(ss.map((s) => s.minute)).size === ss.length),
    model: fc.constantFrom('sonnet', 'opus', 'mystery'),
  }),
  { minLength: 1, maxLength: 12, selector: (m) => m.id },
)

const scenarios = messages.chain((list) => {
  const all: UsageEvent[] = list.flatMap((m) =>
    m.sightings.map((s) =>
      event(`cc:${m.id}`, BASE + s.minute * 61_000, {
        input: m.input,
        output: s.output,
        cacheRead: m.cacheRead + s.extraCache,
        model: m.model,
      }),
    ),
  )
  return fc.record({
    all: fc.constant(all),
    // Any order, any number of repeats (replays, re-reads after a rewrite), cut into batches anywhere.
    order: fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }),
    repeats: fc.array(fc.nat({ max: all.length - 1 }), { maxLength: 10 }),
    cuts: fc.array(fc.nat({ max: all.length + 10 }), { maxLength: 6 }),
    restartAt: fc.option(fc.nat({ max: 6 })),
  })
})

describe('property: streamed lines in any order, repeated, batched anyhow, give the dedup oracle', () => {
  it('totals, first instants and aggregates match the oracle', () => {
    const cost = (e: UsageEvent) => (e.model === 'mystery' ? null : e.output * 7 + e.input)
    fc.assert(
      fc.property(scenarios, ({ all, order, repeats, cuts, restartAt }) => {
        const stream = [...order, ...repeats.map((i) => all[i] as UsageEvent)]
        const bounds = [...new Set([0, ...cuts.map((c) => Math.min(c, stream.length)), stream.length])].sort((a, b) => a - b)
        const path = join(tempDir(), 'tw.db')
        let store = openStore(path)
        try {
          for (let b = 0; b + 1 < bounds.length; b++) {
            if (restartAt === b) {
              store.close()
              store = openStore(path)
            }
            applyBatch(store, [{ events: stream.slice(bounds[b], bounds[b + 1]) }], cost)
          }
          expect(ledgerTotals(store)).toEqual(oracleTotals(all))
          const firstTs = new Map<string, number>()
          for (const e of all) firstTs.set(e.key, Math.min(firstTs.get(e.key) ?? Infinity, e.ts))
          const stored = store.db.prepare('SELECT key, ts FROM usage_events').all() as { key: string; ts: number }[]
          expect(new Map(stored.map((r) => [r.key, r.ts]))).toEqual(firstTs)
          expectAggregatesMatchLedger(store)
        } finally {
          store.close()
        }
      }),
      { numRuns: 60 },
    )
  })
})
