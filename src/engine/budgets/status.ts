/** Every budget where it stands: spend this period, level, forecast, and when it runs out. */
import { DEFAULT_THRESHOLDS, URGENCY } from '../../shared/budget'
import { BUDGET_PERIODS, type Budget, type BudgetLevel, type BudgetStatus, type PeriodOutlook, type Settings } from '../../shared/contract'
import type { Store } from '../store/open-store'
import { forecastPeriod } from './forecast'
import { localeWeekStart, periodBounds } from './period'

/** The thresholds a budget gets when it names none. */

/** The legacy single daily budget (`dailyBudgetUsd`), as a budget like the others. */
export function dailyBudget(amountUsd: number): Budget {
  return { id: 'daily', name: 'Daily budget', amountUsd, period: 'day', scope: {}, thresholds: [...DEFAULT_THRESHOLDS] }
}

/** The settings' budgets, the daily budget first. */
export function allBudgets(settings: Pick<Settings, 'dailyBudgetUsd' | 'budgets'>): Budget[] {
  return [...(settings.dailyBudgetUsd === null ? [] : [dailyBudget(settings.dailyBudgetUsd)]), ...settings.budgets]
}

/** Where spend stands against an amount: reaching it is over; past a threshold below 100 % is near. */
export function levelOf(spentUsd: number, budget: Pick<Budget, 'amountUsd' | 'thresholds'>): BudgetLevel {
  if (budget.amountUsd <= 0) return spentUsd > 0 ? 'over' : 'under'
  if (spentUsd >= budget.amountUsd) return 'over'
  const near = budget.thresholds.some((t) => t < 100 && spentUsd >= (budget.amountUsd * t) / 100)
  return near ? 'near' : 'under'
}

/** One budget's status at `now`. */
export function budgetStatus(store: Store, budget: Budget, tz: string, now: number, weekStart: number): BudgetStatus {
  const { start, end } = periodBounds(budget.period, now, tz, weekStart)
  const s = budget.scope
  const filter = {
    ...(s.agents?.length ? { agents: s.agents } : {}),
    ...(s.projects?.length ? { projects: s.projects } : {}),
    ...(s.models?.length ? { models: s.models } : {}),
    ...(s.users?.length ? { users: s.users } : {}),
    ...(s.sources?.length ? { sources: s.sources } : {}),
  }
  const f = forecastPeriod(store, filter, tz, start, end, now)
  const spent = f.spentUsd
  return {
    budget,
    periodStart: start,
    periodEnd: end,
    spentUsd: spent,
    leftUsd: Math.max(0, budget.amountUsd - spent),
    unpricedTokens: f.unpricedTokens,
    fraction: budget.amountUsd > 0 ? spent / budget.amountUsd : spent > 0 ? Infinity : 0,
    level: levelOf(spent, budget),
    reached: budget.thresholds.filter((t) => spent >= (budget.amountUsd * t) / 100 && (budget.amountUsd > 0 || spent > 0)),
    forecast: f.forecast,
    runsOutAt: f.runsOutAt(budget.amountUsd),
  }
}

/** All usage today, this week and this month, each with its forecast. */
export function outlook(
  store: Store,
  settings: Pick<Settings, 'weekStart'>,
  tz: string,
  now = Date.now(),
  locale?: string,
): PeriodOutlook[] {
  const weekStart = settings.weekStart ?? localeWeekStart(locale)
  return BUDGET_PERIODS.map((period) => {
    const { start, end } = periodBounds(period, now, tz, weekStart)
    const f = forecastPeriod(store, {}, tz, start, end, now)
    return { period, periodStart: start, periodEnd: end, spentUsd: f.spentUsd, unpricedTokens: f.unpricedTokens, forecast: f.forecast }
  })
}

/** Every budget of the settings at `now` in `tz`, most urgent first (then by share spent). */
export function budgetStatuses(
  store: Store,
  settings: Pick<Settings, 'dailyBudgetUsd' | 'budgets' | 'weekStart'>,
  tz: string,
  now = Date.now(),
  locale?: string,
): BudgetStatus[] {
  const weekStart = settings.weekStart ?? localeWeekStart(locale)
  return allBudgets(settings)
    .map((b) => budgetStatus(store, b, tz, now, weekStart))
    .sort((a, b) => URGENCY[b.level] - URGENCY[a.level] || b.fraction - a.fraction)
}
