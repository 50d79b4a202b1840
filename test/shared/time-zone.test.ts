import { describe, expect, it } from 'vitest'
import { isValidTimeZone, dayKey, offsetMs, offsetSegments, startOfLocalDay } from '../../src/shared/time-zone'

const Z = (iso: string) => Date.parse(iso)
const H = 3_600_000

describe('startOfLocalDay and day lengths', () => {
  // [zone, local day, its first instant (UTC), its length in hours]
  const cases: [string, string, string, number][] = [
    ['UTC', '2026-03-01', '2026-03-01T00:00:00Z', 24],
    ['Asia/Kolkata', '2026-03-01', '2026-02-28T18:30:00Z', 24],
    ['Asia/Kathmandu', '2026-03-01', '2026-02-28T18:15:00Z', 24],
    ['America/New_York', '2026-03-08', '2026-03-08T05:00:00Z', 23],
    ['America/New_York', '2026-11-01', '2026-11-01T04:00:00Z', 25],
    ['Europe/Berlin', '2026-03-29', '2026-03-28T23:00:00Z', 23],
    ['Europe/Berlin', '2026-10-25', '2026-10-24T22:00:00Z', 25],
    ['Australia/Lord_Howe', '2026-04-05', '2026-04-04T13:00:00Z', 24.5],
    ['Australia/Lord_Howe', '2026-10-04', '2026-10-03T13:30:00Z', 23.5],
    // Havana springs forward at midnight: 00:00 does not exist, the day begins at 01:00.
    ['America/Havana', '2026-03-08', '2026-03-08T05:00:00Z', 23],
    // ...and falls back at 01:00 to 00:00: midnight happens twice, the day begins at the first.
    ['America/Havana', '2026-11-01', '2026-11-01T04:00:00Z', 25],
    ['Pacific/Chatham', '2026-03-01', '2026-02-28T10:15:00Z', 24],
  ]
  it.each(cases)('%s %s begins at %s and lasts %d hours', (tz, day, start, hours) => {
    const from = startOfLocalDay(day, tz)
    expect(new Date(from).toISOString()).toBe(new Date(start).toISOString())
    const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)
    expect((startOfLocalDay(next, tz) - from) / H).toBe(hours)
    expect(dayKey(from, tz)).toBe(day)
    expect(dayKey(from - 1, tz)).not.toBe(day)
  })

  it('rejects what is not a date', () => {
    for (const bad of ['2026-02-30', '2026-13-01', '26-03-01', '2026-3-1', '']) expect(() => startOfLocalDay(bad, 'UTC')).toThrow()
  })
})

describe('offsets and segments', () => {
  it('offsetAt gives local minus UTC, including half and three-quarter hours', () => {
    expect(offsetMs(Z('2026-03-01T00:00:00Z'), 'Asia/Kolkata')).toBe(5.5 * H)
    expect(offsetMs(Z('2026-03-01T00:00:00Z'), 'Asia/Kathmandu')).toBe(5.75 * H)
    expect(offsetMs(Z('2026-07-01T00:00:00Z'), 'America/New_York')).toBe(-4 * H)
    expect(offsetMs(Z('2026-01-01T00:00:00.999Z'), 'America/New_York')).toBe(-5 * H)
    expect(offsetMs(Z('2026-07-01T00:00:00Z'), 'Australia/Lord_Howe')).toBe(10.5 * H)
  })

  it('splits a range exactly at each transition (to the quarter-hour), with the right offsets', () => {
    expect(offsetSegments(Z('2026-01-01T00:00:00Z'), Z('2027-01-01T00:00:00Z'), 'Europe/Berlin')).toEqual([
      { from: Z('2026-01-01T00:00:00Z'), to: Z('2026-03-29T01:00:00Z'), offset: 1 * H },
      { from: Z('2026-03-29T01:00:00Z'), to: Z('2026-10-25T01:00:00Z'), offset: 2 * H },
      { from: Z('2026-10-25T01:00:00Z'), to: Z('2027-01-01T00:00:00Z'), offset: 1 * H },
    ])
    expect(offsetSegments(Z('2026-04-04T00:00:00Z'), Z('2026-04-06T00:00:00Z'), 'Australia/Lord_Howe')).toEqual([
      { from: Z('2026-04-04T00:00:00Z'), to: Z('2026-04-04T15:00:00Z'), offset: 11 * H },
      { from: Z('2026-04-04T15:00:00Z'), to: Z('2026-04-06T00:00:00Z'), offset: 10.5 * H },
    ])
    // Unaligned bounds, a transition a minute after `from`, one a minute before `to`.
    expect(
      offsetSegments(Z('2026-03-08T06:59:00.5Z'), Z('2026-11-01T06:01:00Z'), 'America/New_York').map((s) => [s.from, s.to, s.offset / H]),
    ).toEqual([
      [Z('2026-03-08T06:59:00.5Z'), Z('2026-03-08T07:00:00Z'), -5],
      [Z('2026-03-08T07:00:00Z'), Z('2026-11-01T06:00:00Z'), -4],
      [Z('2026-11-01T06:00:00Z'), Z('2026-11-01T06:01:00Z'), -5],
    ])
    expect(offsetSegments(0, Z('2026-01-01T00:00:00Z'), 'Asia/Kolkata')).toHaveLength(1)
    expect(offsetSegments(5, 5, 'UTC')).toEqual([])
  })

  it('knows real zones from made-up ones', () => {
    expect(isValidTimeZone('Asia/Kathmandu')).toBe(true)
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false)
  })
})
