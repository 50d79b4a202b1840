import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { applyBatch } from '../../../src/engine/ingest/apply-batch'
import { openStore } from '../../../src/engine/store/open-store'
import { activityReport } from '../../../src/engine/query/activity'
import { tempDir } from '../../helpers/temp'
import { event } from '../ingest/support'

const at = (hm: string) => Date.parse(`2026-03-04T${hm}:00Z`)
const MIN = 60_000

describe('active time and sessions from request timestamps', () => {
  const store = openStore(join(tempDir(), 'tw.db'))
  const req = (k: string, hm: string, sessionId: string, model = 'claude-sonnet-4-5') => event(k, at(hm), { sessionId, model })
  applyBatch(
    store,
    [
      {
        events: [
          req('a0', '09:58', 's1'), // before the range: starts the clock for 10:00
          req('a1', '10:00', 's1'),
          req('a2', '10:03', 's1'),
          req('a3', '10:07', 's1'),
          req('a4', '10:20', 's1'), // 13 minutes idle: nothing
          req('a5', '10:22', 's1', 'claude-opus-4-6'),
          req('b1', '10:01', 's2'),
          req('b2', '10:02', 's2'),
          req('a6', '10:58', 's1'),
          req('a7', '11:01', 's1'), // 3 minutes, credited to 11:00
        ],
      },
    ],
    () => 1000,
  )

  it('sums gaps of at most five minutes per session, credited to the later request', () => {
    const rows = activityReport(store, { tz: 'UTC', from: at('10:00'), to: at('12:00'), groupBy: ['hour'] })
    // 10:00: s1 2 + 3 + 4 + 2 min, s2 1 min = 12 min; 11:00: 3 min.
    expect(rows).toEqual([
      { hour: '2026-03-04T10:00', activeMs: 12 * MIN, sessions: 2 },
      { hour: '2026-03-04T11:00', activeMs: 3 * MIN, sessions: 1 },
    ])
  })

  it('grouped by model and in another zone', () => {
    expect(activityReport(store, { tz: 'Asia/Kolkata', from: at('10:00'), to: at('12:00'), groupBy: ['day', 'model'] })).toEqual([
      { day: '2026-03-04', model: 'claude-opus-4-6', activeMs: 2 * MIN, sessions: 1 },
      { day: '2026-03-04', model: 'claude-sonnet-4-5', activeMs: 13 * MIN, sessions: 2 },
    ])
    expect(activityReport(store, { tz: 'Asia/Kolkata', from: at('10:00'), to: at('12:00'), groupBy: ['hour'] }).map((r) => r.hour)).toEqual(
      ['2026-03-04T15:00', '2026-03-04T16:00'],
    )
  })

  it('filters like a report', () => {
    expect(activityReport(store, { tz: 'UTC', groupBy: [], sessions: ['s2'] })).toEqual([{ activeMs: MIN, sessions: 1 }])
    expect(activityReport(store, { tz: 'UTC', groupBy: [] })).toEqual([{ activeMs: 15 * MIN, sessions: 2 }])
  })
})
