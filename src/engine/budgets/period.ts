/** A budget period's bounds in the viewer's zone: the local day, week or month holding an instant. */
import type { BudgetPeriod } from '../../shared/contract'
import { assertNever } from '../../shared/assert-never'
import { dayKey, nextDay, parseYmd, startOfLocalDay } from '../../shared/time-zone'

/** The locale's first day of the week, ISO (1 = Monday ... 7 = Sunday); Monday when unknown. */
export function localeWeekStart(locale?: string): number {
  try {
    const l = new Intl.Locale(locale ?? new Intl.DateTimeFormat().resolvedOptions().locale) as Intl.Locale & {
      weekInfo?: { firstDay: number }
      getWeekInfo?: () => { firstDay: number }
    }
    const info = l.getWeekInfo?.() ?? l.weekInfo
    return info && info.firstDay >= 1 && info.firstDay <= 7 ? info.firstDay : 1
  } catch {
    return 1
  }
}

/** [start, end) of the period holding `now`, epoch ms UTC; `weekStart` ISO 1..7. */
export function periodBounds(period: BudgetPeriod, now: number, tz: string, weekStart: number): { start: number; end: number } {
  const day = dayKey(now, tz)
  switch (period) {
    case 'day':
      return { start: startOfLocalDay(day, tz), end: startOfLocalDay(nextDay(day), tz) }
    case 'week': {
      const iso = new Date(`${day}T00:00:00Z`).getUTCDay() || 7
      const first = nextDay(day, -((iso - weekStart + 7) % 7))
      return { start: startOfLocalDay(first, tz), end: startOfLocalDay(nextDay(first, 7), tz) }
    }
    case 'month': {
      const d = parseYmd(day)
      if (!d) throw new Error(`bad day ${day}`)
      const first = `${day.slice(0, 7)}-01`
      const next = d.month === 12 ? `${d.year + 1}-01-01` : `${d.year}-${String(d.month + 1).padStart(2, '0')}-01`
      return { start: startOfLocalDay(first, tz), end: startOfLocalDay(next, tz) }
    }
    default:
      return assertNever(period)
  }
}
