import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { applyBatch } from '../../../src/engine/ingest/apply-batch'
import { openStore, type Store } from '../../../src/engine/store/open-store'
import { forecastPeriod } from '../../../src/engine/budgets/forecast'
import { periodBounds } from '../../../src/engine/budgets/period'
import { budgetStatuses } from '../../../src/engine/budgets/status'
import type { UsageEvent } from '../../../src/shared/usage'
import { tempDir } from '../../helpers/temp'
import { event } from '../ingest/support'

const H = 3_600_000
const DAY = 24 * H
const USD = 1e9

/** A store holding one request at 20 past every hour in [from, to), costing `usdAt(hourStart)`. */
function history(from: number, to: number, usdAt: (hour: number) => number, tag = 'h'): Store {
  const store = openStore(join(tempDir(), 'tw.db'))
  const events: UsageEvent[] = []
  const cost = new Map<string, number>()
  for (let t = from; t < to; t += H) {
    const usd = usdAt(t)
    if (usd <= 0) continue
    const key = `${tag}:${t}`
    cost.set(key, Math.round(usd * USD))
    events.push(event(key, t + 20 * 60_000, { input: 1, output: 1, cacheRead: 0 }))
  }
  applyBatch(store, [{ events }], (e) => cost.get(e.key) ?? null)
  return store
}

describe('forecast on generated histories with a known answer', () => {
  // Wednesday 4 March 2026, UTC. Five weeks of history before it.
  const tz = 'UTC'
  const wedMidnight = Date.parse('2026-03-04T00:00:00Z')

  it('flat burn: $1 every hour -> today ends at $24; a $20 daily budget runs out at 20:00', () => {
    const now = wedMidnight + 10 * H // 10:00, ten hours spent
    const store = history(wedMidnight - 35 * DAY, now, () => 1)
    const { start, end } = periodBounds('day', now, tz, 1)
    const f = forecastPeriod(store, {}, tz, start, end, now)
    expect(f.spentUsd).toBeCloseTo(10, 9)
    expect(f.forecast.method).toBe('profile')
    expect(f.forecast.endUsd).toBeCloseTo(24, 9)
    // Every week alike: the band is a point.
    expect(f.forecast.lowUsd).toBeCloseTo(24, 9)
    expect(f.forecast.highUsd).toBeCloseTo(24, 9)
    expect(f.runsOutAt(20)).toBe(wedMidnight + 20 * H)
    expect(f.runsOutAt(30)).toBeNull()
    expect(f.projectedAt(wedMidnight + 15 * H)).toBeCloseTo(15, 9)
    store.close()
  })

  it('weekly rhythm: $2 an hour 09:00-17:00 on weekdays, nothing at weekends -> the week ends at $80', () => {
    const rhythm = (t: number) => {
      const d = new Date(t)
      const weekday = d.getUTCDay() >= 1 && d.getUTCDay() <= 5
      return weekday && d.getUTCHours() >= 9 && d.getUTCHours() < 17 ? 2 : 0
    }
    const now = wedMidnight + 12 * H // Wednesday noon: Mon 16 + Tue 16 + Wed 9-12 6 = $38
    const store = history(wedMidnight - 2 * DAY - 35 * DAY, now, rhythm)
    const { start, end } = periodBounds('week', now, tz, 1)
    expect(start).toBe(wedMidnight - 2 * DAY)
    const f = forecastPeriod(store, {}, tz, start, end, now)
    expect(f.spentUsd).toBeCloseTo(38, 9)
    expect(f.forecast.endUsd).toBeCloseTo(80, 9)
    expect([f.forecast.lowUsd, f.forecast.highUsd].map((x) => Math.round(x * 1e6) / 1e6)).toEqual([80, 80])
    // A $60 weekly budget: $22 more after noon Wednesday = Wed 12-17 ($10) + Thu 09:00-15:00 ($12).
    expect(f.runsOutAt(60)).toBe(wedMidnight + DAY + 15 * H)
    // A linear extrapolation would have said 38 / 2.5 days * 7 = $106.4: the profile knows the weekend is idle.
    store.close()
  })

  it("this period's pace scales the profile: twice the usual spend so far -> twice the usual rest", () => {
    const now = wedMidnight + 6 * H
    const store = history(wedMidnight - 28 * DAY, now, (t) => (t >= wedMidnight ? 2 : 1))
    const { start, end } = periodBounds('day', now, tz, 1)
    const f = forecastPeriod(store, {}, tz, start, end, now)
    expect(f.spentUsd).toBeCloseTo(12, 9)
    expect(f.forecast.endUsd).toBeCloseTo(12 + 2 * 18, 9)
    store.close()
  })

  it('no history before the period: a linear extrapolation of the pace so far', () => {
    const now = wedMidnight + 6 * H
    const store = history(wedMidnight, now, () => 1)
    const { start, end } = periodBounds('day', now, tz, 1)
    const f = forecastPeriod(store, {}, tz, start, end, now)
    expect(f.forecast).toEqual({ endUsd: 24, lowUsd: 24, highUsd: 24, method: 'linear' })
    expect(f.runsOutAt(12)).toBe(wedMidnight + 12 * H)
    store.close()
  })

  it('the band: the lowest and highest single-week estimate', () => {
    // Two weeks burned $1 every hour; the two before them $2 an hour before noon and nothing after.
    // Today: $1 an hour until noon (S = 12). Mean profile: 1.5/h mornings, 0.5/h afternoons, so the
    // pace is 12 / 18 and the rest 12 h x 0.5 x 2/3 = $4: $16. Flat weeks alone: $24; morning weeks: $12.
    const now = wedMidnight + 12 * H
    const store = history(wedMidnight - 28 * DAY, now, (t) => {
      if (t >= wedMidnight) return 1
      const week = Math.ceil((wedMidnight - t) / (7 * DAY))
      return week <= 2 ? 1 : new Date(t).getUTCHours() < 12 ? 2 : 0
    })
    const { start, end } = periodBounds('day', now, tz, 1)
    const f = forecastPeriod(store, {}, tz, start, end, now)
    expect(f.forecast.endUsd).toBeCloseTo(16, 9)
    expect(f.forecast.lowUsd).toBeCloseTo(12, 9)
    expect(f.forecast.highUsd).toBeCloseTo(24, 9)
    store.close()
  })
})

describe('budget statuses', () => {
  const now = Date.parse('2026-03-04T10:00:00Z')
  it('levels, left, reached thresholds and the order, most urgent first', () => {
    const store = history(now - 35 * DAY, now, () => 1)
    const s = budgetStatuses(
      store,
      {
        dailyBudgetUsd: 9,
        weekStart: 1,
        budgets: [
          { id: 'wk', name: 'Week', amountUsd: 100, period: 'week', scope: {}, thresholds: [80, 100] },
          { id: 'mo', name: 'Month', amountUsd: 100, period: 'month', scope: {}, thresholds: [50, 80, 100] },
          { id: 'codex', name: 'Codex', amountUsd: 5, period: 'day', scope: { sources: ['codex'] }, thresholds: [80, 100] },
        ],
      },
      'UTC',
      now,
    )
    expect(s.map((x) => [x.budget.id, x.level, Math.round(x.spentUsd), x.reached])).toEqual([
      ['daily', 'over', 10, [80, 100]],
      ['mo', 'near', 82, [50, 80]], // 1-4 March 10:00 = 3 days + 10 h
      ['wk', 'under', 58, []], // Mon, Tue, Wed to 10:00
      ['codex', 'under', 0, []],
    ])
    expect(s.find((x) => x.budget.id === 'wk')?.leftUsd).toBeCloseTo(42, 9)
    expect(s.find((x) => x.budget.id === 'wk')?.runsOutAt).toBe(Date.parse('2026-03-06T04:00:00Z')) // 42 h after Wed 10:00
    store.close()
  })

  it('week start: Sunday-first and Monday-first weeks', () => {
    const store = history(now - DAY, now, () => 0)
    const week = (weekStart: number) =>
      budgetStatuses(
        store,
        { dailyBudgetUsd: null, weekStart, budgets: [{ id: 'w', name: 'w', amountUsd: 1, period: 'week', scope: {}, thresholds: [100] }] },
        'UTC',
        now,
      )[0]
    expect(new Date(week(1)?.periodStart ?? 0).toISOString()).toBe('2026-03-02T00:00:00.000Z')
    expect(new Date(week(7)?.periodStart ?? 0).toISOString()).toBe('2026-03-01T00:00:00.000Z')
    store.close()
  })
})

describe('the forecast of a dashboard range', () => {
  it('flat burn: each hour still to come gets its share, the current one pro rata', async () => {
    const { rangeForecast } = await import('../../../src/engine/budgets/range-forecast')
    const day = Date.parse('2026-03-04T00:00:00Z')
    const now = day + 10 * H + 30 * 60_000 // 10:30
    const store = history(day - 35 * DAY, now, (t) => (t < day + 10 * H ? 1 : 0))
    const f = rangeForecast(store, { tz: 'UTC', from: day, to: day + DAY, groupBy: ['hour'] }, now)
    // Spent: ten hours at $1 (the 10:00 request comes at 10:20, but that hour is left empty here).
    expect(f?.spentUsd).toBeCloseTo(10, 9)
    expect(f?.points.map((p) => p.key)).toEqual(Array.from({ length: 14 }, (_, i) => `2026-03-04T${String(10 + i).padStart(2, '0')}:00`))
    expect(f?.points[0]?.usd).toBeCloseTo(0.5 * (10 / 10.5), 9)
    const sum = f?.points.reduce((a, p) => a + p.usd, 0) ?? NaN
    expect(10 + sum).toBeCloseTo(f?.forecast.endUsd ?? NaN, 9)
    expect(rangeForecast(store, { tz: 'UTC', from: day - DAY, to: day, groupBy: ['hour'] }, now)).toBeNull()
    store.close()
  })
})

describe('the outlook: all usage today, this week, this month', () => {
  it("flat burn of $1 an hour: $24, $168 and $744 (March) at the periods' ends", async () => {
    const { outlook } = await import('../../../src/engine/budgets/status')
    const now = Date.parse('2026-03-04T10:00:00Z')
    const store = history(now - 40 * DAY, now, () => 1)
    expect(
      outlook(store, { weekStart: 1 }, 'UTC', now).map((o) => [
        o.period,
        Math.round(o.spentUsd),
        Math.round(o.forecast.endUsd * 1e6) / 1e6,
      ]),
    ).toEqual([
      ['day', 10, 24],
      ['week', 58, 168],
      ['month', 82, 744],
    ])
    store.close()
  })
})
