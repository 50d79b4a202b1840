/** The daily budget: under / near / over, and one desktop notification per crossing per day. */
import { budgetState, type BudgetState } from '../shared/budget'
import type { TodaySpend } from '../shared/contract'
import { formatUsd } from './format'

// The rule itself lives in src/shared so the dashboard header applies the very same one.
export { budgetState, NEAR_FRACTION, type BudgetState } from '../shared/budget'

export interface BudgetAlert {
  title: string
  body: string
}

/** The notification raised when today's spend crosses the budget. */
export function budgetAlert(today: TodaySpend, budgetUsd: number, locale?: string): BudgetAlert {
  return {
    title: 'Daily budget reached',
    body: `Today's AI spend is ${formatUsd(today.costUsd, locale)}, over your daily budget of ${formatUsd(budgetUsd, locale)}.`,
  }
}

/** Evaluates each new figure; returns its state and notifies at most once per day and budget. */
export interface BudgetWatch {
  update(today: TodaySpend, budgetUsd: number | null): BudgetState
}

/**
 * Notifies on the first figure over budget for a (day, budget) pair. A new day re-arms it; so does
 * a changed budget, because crossing a new limit is news.
 */
export function createBudgetWatch(notify: (alert: BudgetAlert) => void, locale?: string): BudgetWatch {
  let notifiedFor: string | undefined
  return {
    update(today, budgetUsd) {
      const state = budgetState(today.costUsd, budgetUsd)
      if (state === 'over' && budgetUsd !== null) {
        const key = `${today.day}|${budgetUsd}`
        if (notifiedFor !== key) {
          notifiedFor = key
          notify(budgetAlert(today, budgetUsd, locale))
        }
      }
      return state
    },
  }
}

/** The slice of electron's `Notification` this module uses. */
export interface BudgetElectron {
  Notification: {
    new (options: { title: string; body: string }): { show(): void }
    isSupported(): boolean
  }
}

/** A budget watch that raises real desktop notifications, amounts in `locale` (the app's). */
export function setupBudget({ electron, locale }: { electron: BudgetElectron; locale?: string }): BudgetWatch {
  return createBudgetWatch((alert) => {
    if (electron.Notification.isSupported()) new electron.Notification(alert).show()
  }, locale)
}
