import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { join } from 'node:path'
import { openStore, type Store } from '../../../src/engine/store/open-store'
import { applyBatch } from '../../../src/engine/ingest/apply-batch'
import { ensureRollup, rebuildRollup, rollupZones, MAX_ROLLUP_ZONES } from '../../../src/engine/projections/rollup'
import { runReport } from '../../../src/engine/query/report'
import { startOfLocalDay } from '../../../src/shared/time-zone'
import type { ReportQuery } from '../../../src/shared/contract'
import { event } from '../ingest/support'
import { tempDir } from '../../helpers/temp'

const ZONES = ['America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'Europe/Berlin']

/** The rollup's rows, as a comparable list. */
function rollupRows(store: Store, tz: string): unknown[] {
  return store.db
    .prepare(
      `SELECT day, source, user_id, agent_id, project, model, input, output, cache_read, cache_write,
    requests, cost_nusd, unpriced_tokens, unpriced_requests FROM usage_days WHERE tz = ? ORDER BY 1, 2, 3, 4, 5, 6`,
    )
    .all(tz)
}

/** What a freshly built rollup would hold, compared with the incrementally kept one. */
function expectRollupCurrent(store: Store): void {
  // The model-only copy always equals the full rollup summed by model.
  expect(
    store.db
      .prepare(
        `SELECT tz, day, model, input, output, cache_read, cache_write, requests, cost_nusd, unpriced_tokens,
    unpriced_requests FROM usage_days_model ORDER BY 1, 2, 3`,
      )
      .all(),
  ).toEqual(
    store.db
      .prepare(
        `SELECT tz, day, model, sum(input) AS input,
    sum(output) AS output, sum(cache_read) AS cache_read, sum(cache_write) AS cache_write, sum(requests) AS requests,
    sum(cost_nusd) AS cost_nusd, sum(unpriced_tokens) AS unpriced_tokens, sum(unpriced_requests) AS unpriced_requests
    FROM usage_days GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      )
      .all(),
  )
  for (const tz of rollupZones(store.db)) {
    const kept = rollupRows(store, tz)
    store.db.transaction(() => rebuildRollup(store, tz))()
    expect(kept).toEqual(rollupRows(store, tz))
  }
}

function report(store: Store, q: ReportQuery) {
  return runReport(store, q)
}

describe('local-day rollups', () => {
  it('answer day/week/month reports over whole local days exactly as the quarter-hour aggregates do', () => {
    const store = openStore(join(tempDir(), 'tw.db'))
    // Events around local midnights and DST changes of several zones, 2026.
    const instants = [
      '2026-03-08T04:30:00Z',
      '2026-03-08T05:15:00Z',
      '2026-03-08T07:00:00Z',
      '2026-03-28T23:59:00Z',
      '2026-03-29T00:45:00Z',
      '2026-04-04T14:45:00Z',
      '2026-04-04T15:30:00Z',
      '2026-04-05T13:59:00Z',
      '2026-10-31T18:14:00Z',
      '2026-10-31T18:15:00Z',
      '2026-11-01T05:30:00Z',
      '2026-11-01T06:30:00Z',
    ]
    applyBatch(
      store,
      [{ events: instants.map((t, i) => event(`k${i}`, t, { input: 10 + i, model: i % 3 === 0 ? 'unpriced-x' : 'claude-opus-4-6' })) }],
      (e) => (e.model === 'unpriced-x' ? null : e.input * 1000),
    )
    for (const tz of ZONES) {
      const queries: ReportQuery[] = [
        { tz, groupBy: ['day', 'model'] },
        { tz, groupBy: ['week'] },
        { tz, groupBy: ['month', 'agent'] },
        { tz, groupBy: ['model'], from: startOfLocalDay('2026-03-08', tz), to: startOfLocalDay('2026-04-06', tz) },
        {
          tz,
          groupBy: ['day'],
          from: startOfLocalDay('2026-10-31', tz),
          to: startOfLocalDay('2026-11-02', tz),
          models: ['claude-opus-4-6'],
        },
      ]
      const before = queries.map((q) => report(store, q))
      expect(ensureRollup(store, tz)).toBe(true)
      expect(queries.map((q) => report(store, q))).toEqual(before)
    }
    expect(rollupZones(store.db)).toEqual([...ZONES].sort())
    // Room for four zones only: a fifth is answered from the aggregates instead.
    expect(ZONES.length).toBe(MAX_ROLLUP_ZONES)
    expect(ensureRollup(store, 'Asia/Kolkata')).toBe(false)
    expect(runReport(store, { tz: 'Asia/Kolkata', groupBy: ['day'] }, { buildRollup: true }).totals.requests).toBe(12)
    // Proof the day reports above came from the rollup: without the quarter-hours they still answer,
    // while an hourly report (which needs them) no longer does.
    store.db.exec('DELETE FROM usage_buckets')
    expect(report(store, { tz: 'Europe/Berlin', groupBy: ['day'] }).totals.requests).toBe(12)
    expect(report(store, { tz: 'Europe/Berlin', groupBy: ['hour'] }).totals.requests).toBe(0)
    store.close()
  })

  it('stay current through new events, corrections that move a record, and re-pricing', () => {
    const store = openStore(join(tempDir(), 'tw.db'))
    for (const tz of ZONES) ensureRollup(store, tz)
    const cost = (e: { input: number }) => e.input
    applyBatch(
      store,
      [{ events: [event('a', '2026-03-29T00:30:00Z', { output: 1 }), event('b', '2026-03-29T01:30:00Z', { output: 5 })] }],
      cost,
    )
    // A re-seen key with an earlier first sighting moves the record to another quarter-hour (and local day).
    applyBatch(store, [{ events: [event('a', '2026-03-28T22:00:00Z', { output: 9 })] }], cost)
    applyBatch(store, [{ events: [event('c', '2026-11-01T05:45:00Z', { output: 2 })] }], () => null)
    expectRollupCurrent(store)
    store.close()
  })

  it('property: incremental upkeep equals a rebuild for any batches of events', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.array(
            fc.record({
              k: fc.integer({ min: 0, max: 30 }),
              t: fc.integer({ min: 0, max: 40 * 96 }),
              out: fc.integer({ min: 0, max: 50 }),
            }),
            { maxLength: 12 },
          ),
          { maxLength: 6 },
        ),
        (batches) => {
          const store = openStore(':memory:')
          ensureRollup(store, 'America/New_York')
          ensureRollup(store, 'Asia/Kathmandu')
          const base = Date.parse('2026-03-01T00:00:00Z')
          for (const b of batches) {
            applyBatch(store, [{ events: b.map((x) => event(`k${x.k}`, base + x.t * 900_000, { output: x.out })) }], (e) => e.output)
          }
          expectRollupCurrent(store)
          store.close()
        },
      ),
      { numRuns: 60 },
    )
  })
})
