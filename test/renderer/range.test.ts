/** Day and hour boundaries in the viewer's zone: DST days and half- and quarter-hour offsets. */
import { describe, expect, it } from 'vitest'
import { bucketKeys, resolutionFor, resolveRange, type RangeChoice } from '../../src/renderer/src/lib/range'
import { hourKey, startOfHour, zonedToUtc } from '../../src/shared/time-zone'

const NOW = Date.UTC(2026, 2, 5, 15, 20) // Thu 2026-03-05 15:20 UTC
const H = 3_600_000
const choice = (preset: RangeChoice['preset'], customFrom = '', customTo = ''): RangeChoice => ({ preset, customFrom, customTo })

describe('zoned time', () => {
  it('finds midnight across a spring-forward day (Berlin, 23 hours)', () => {
    const start = zonedToUtc({ year: 2026, month: 3, day: 29 }, 'Europe/Berlin')
    const next = zonedToUtc({ year: 2026, month: 3, day: 30 }, 'Europe/Berlin')
    expect([start, next]).toEqual([Date.UTC(2026, 2, 28, 23), Date.UTC(2026, 2, 29, 22)])
    const keys = bucketKeys(start, next, 'hour', 'Europe/Berlin')
    expect(keys).toHaveLength(23)
    expect(keys.slice(0, 4)).toEqual(['2026-03-29T00:00', '2026-03-29T01:00', '2026-03-29T03:00', '2026-03-29T04:00'])
  })

  it('keeps a fall-back day at 25 hours but one key per wall-clock hour (Berlin)', () => {
    const start = zonedToUtc({ year: 2026, month: 10, day: 25 }, 'Europe/Berlin')
    const next = zonedToUtc({ year: 2026, month: 10, day: 26 }, 'Europe/Berlin')
    expect((next - start) / H).toBe(25)
    const keys = bucketKeys(start, next, 'hour', 'Europe/Berlin')
    expect(keys).toHaveLength(24)
    expect(keys.filter((k) => k === '2026-10-25T02:00')).toHaveLength(1)
  })

  it('aligns hours to the local clock in +05:30, +05:45 and -03:30 zones', () => {
    expect(startOfHour(NOW, 'Asia/Kolkata')).toBe(Date.UTC(2026, 2, 5, 14, 30))
    expect(hourKey(Date.UTC(2026, 2, 5, 14, 30), 'Asia/Kolkata')).toBe('2026-03-05T20:00')
    expect(startOfHour(NOW, 'Asia/Kathmandu')).toBe(Date.UTC(2026, 2, 5, 15, 15))
    expect(startOfHour(NOW, 'America/St_Johns')).toBe(Date.UTC(2026, 2, 5, 14, 30))
    expect(zonedToUtc({ year: 2026, month: 3, day: 5 }, 'Asia/Kathmandu')).toBe(Date.UTC(2026, 2, 4, 18, 15))
  })
})

describe('resolveRange', () => {
  it('today: the whole local day hour by hour, compared with yesterday up to the same time', () => {
    expect(resolveRange(choice('today'), NOW, 'Asia/Kolkata')).toEqual({
      from: Date.UTC(2026, 2, 4, 18, 30),
      to: Date.UTC(2026, 2, 5, 18, 30),
      resolution: 'hour',
      previous: { from: Date.UTC(2026, 2, 3, 18, 30), to: Date.UTC(2026, 2, 4, 15, 20) },
    })
  })

  it('24 h: the 24 local hours ending with the current one', () => {
    expect(resolveRange(choice('24h'), NOW, 'Asia/Kathmandu')).toEqual({
      from: Date.UTC(2026, 2, 4, 16, 15),
      to: Date.UTC(2026, 2, 5, 16, 15),
      resolution: 'hour',
      previous: { from: Date.UTC(2026, 2, 3, 16, 15), to: Date.UTC(2026, 2, 4, 16, 15) },
    })
  })

  it('7 d: whole local days by day, the 7 days before as the previous period', () => {
    expect(resolveRange(choice('7d'), NOW, 'America/New_York')).toEqual({
      from: Date.UTC(2026, 1, 27, 5),
      to: Date.UTC(2026, 2, 6, 5),
      resolution: 'day',
      previous: { from: Date.UTC(2026, 1, 20, 5), to: Date.UTC(2026, 1, 27, 5) },
    })
  })

  it('30 d across the spring-forward change keeps exact local midnights', () => {
    const r = resolveRange(choice('30d'), Date.UTC(2026, 3, 2, 12), 'Europe/Berlin')
    expect([r.from, r.to]).toEqual([Date.UTC(2026, 2, 3, 23), Date.UTC(2026, 3, 2, 22)])
    expect(bucketKeys(r.from ?? 0, r.to ?? 0, 'day', 'Europe/Berlin')).toHaveLength(30)
  })

  it('custom: inclusive dates in either order; two days or less are hourly', () => {
    expect(resolveRange(choice('custom', '2026-03-02', '2026-03-01'), NOW, 'UTC')).toEqual({
      from: Date.UTC(2026, 2, 1),
      to: Date.UTC(2026, 2, 3),
      resolution: 'hour',
      previous: { from: Date.UTC(2026, 1, 27), to: Date.UTC(2026, 2, 1) },
    })
    expect(resolveRange(choice('custom', '2026-02-01', '2026-02-28'), NOW, 'UTC').resolution).toBe('day')
  })

  it('all: no bounds, no previous period, hourly only for a short history', () => {
    expect(resolveRange(choice('all'), NOW, 'UTC', { firstTs: NOW - 40 * H, lastTs: NOW })).toEqual({ resolution: 'hour' })
    expect(resolveRange(choice('all'), NOW, 'UTC', { firstTs: NOW - 90 * H, lastTs: NOW })).toEqual({ resolution: 'day' })
    expect(resolveRange(choice('all'), NOW, 'UTC', { firstTs: null, lastTs: null })).toEqual({ resolution: 'day' })
  })
})

describe('bar size for long ranges', () => {
  it('hours up to 2 days, days up to 92, weeks up to 53 weeks, months beyond', () => {
    expect([1, 2, 3, 92, 93, 371, 372, 1000].map(resolutionFor)).toEqual(['hour', 'hour', 'day', 'day', 'week', 'week', 'month', 'month'])
    expect(resolveRange(choice('custom', '2025-01-01', '2026-03-05'), NOW, 'Europe/Berlin').resolution).toBe('month')
    expect(resolveRange(choice('90d'), NOW, 'Europe/Berlin').resolution).toBe('day')
    // "All" over a year and a half of data: months.
    expect(resolveRange(choice('all'), NOW, 'UTC', { firstTs: Date.UTC(2024, 8, 1), lastTs: NOW }).resolution).toBe('month')
  })

  it('keys weeks by their Monday and months by YYYY-MM in the viewer zone, across a DST change', () => {
    const from = zonedToUtc({ year: 2026, month: 3, day: 25 }, 'Europe/Berlin') // a Wednesday
    const to = zonedToUtc({ year: 2026, month: 4, day: 9 }, 'Europe/Berlin')
    expect(bucketKeys(from, to, 'week', 'Europe/Berlin')).toEqual(['2026-03-23', '2026-03-30', '2026-04-06'])
    expect(
      bucketKeys(
        zonedToUtc({ year: 2025, month: 11, day: 15 }, 'Asia/Kolkata'),
        zonedToUtc({ year: 2026, month: 2, day: 1 }, 'Asia/Kolkata'),
        'month',
        'Asia/Kolkata',
      ),
    ).toEqual(['2025-11', '2025-12', '2026-01'])
  })
})
