import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { join } from 'node:path'
import { applyBatch } from '../../../src/engine/ingest/apply-batch'
import { openStore } from '../../../src/engine/store/open-store'
import { runReport } from '../../../src/engine/query/report'
import { dayKey, startOfLocalDay } from '../../../src/shared/time-zone'
import { tempDir } from '../../helpers/temp'
import { event } from '../ingest/support'

const ZONES = [
  'UTC',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'America/New_York',
  'Europe/Berlin',
  'Australia/Lord_Howe',
  'America/Havana',
  'Pacific/Chatham',
  'America/St_Johns',
  'Pacific/Kiritimati',
  'Pacific/Pago_Pago',
  'Asia/Tehran',
  'America/Santiago',
  'Africa/Casablanca',
  'Europe/Dublin',
]

/** The local date and hour Intl gives for an instant: the oracle, independent of offsetSegments. */
function intlLabels(tz: string, ts: number): { day: string; hour: string } {
  const p: Record<string, string> = {}
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
  })
  for (const part of f.formatToParts(new Date(ts))) p[part.type] = part.value
  const day = `${p.year}-${p.month}-${p.day}`
  return { day, hour: `${day}T${p.hour}:00` }
}

const YEAR = 365 * 86_400_000

/**
 * Instants within a window of a year somewhere in 2000-2040 (a report's cost grows
 * with its span), to the millisecond, to the quarter-hour, or near March/April and
 * September-November transitions.
 */
const instants = fc.integer({ min: 2000, max: 2038 }).chain((year) => {
  const lo = Date.UTC(year, 0, 1)
  return fc.uniqueArray(
    fc.oneof(
      fc.integer({ min: lo, max: lo + YEAR }),
      fc.integer({ min: lo / 900_000, max: (lo + YEAR) / 900_000 }).map((q) => q * 900_000),
      fc
        .tuple(fc.constantFrom(2, 3, 8, 9, 10), fc.integer({ min: 1, max: 28 }), fc.integer({ min: -180, max: 180 }))
        .map(([m, d, min]) => Date.UTC(year, m, d) + min * 60_000),
    ),
    { minLength: 1, maxLength: 25 },
  )
})

describe('property: report day and hour labels equal what Intl says for the instant', () => {
  it('for random instants and zones', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), instants, (tz, instants) => {
        const store = openStore(join(tempDir(), 'tw.db'))
        try {
          applyBatch(store, [{ events: instants.map((ts) => event(`k${ts}`, ts, { input: 0, output: 1, cacheRead: 0 })) }], () => 1)
          for (const dim of ['day', 'hour'] as const) {
            const expected = new Map<string, number>()
            for (const ts of instants) {
              const label = intlLabels(tz, ts)[dim]
              expected.set(label, (expected.get(label) ?? 0) + 1)
            }
            const got = runReport(store, { tz, groupBy: [dim] }).rows.map((r) => [r[dim], r.requests])
            expect(new Map(got as [string, number][])).toEqual(expected)
          }
          for (const ts of instants) {
            const day = intlLabels(tz, ts).day
            expect(dayKey(ts, tz)).toBe(day)
            const start = startOfLocalDay(day, tz)
            expect(start).toBeLessThanOrEqual(ts)
            expect(intlLabels(tz, start).day).toBe(day)
            expect(intlLabels(tz, start - 1).day).not.toBe(day)
          }
        } finally {
          store.close()
        }
      }),
      { numRuns: 60 },
    )
  })
})
