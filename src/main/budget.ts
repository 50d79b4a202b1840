/** The daily budget: under / near / over, and one desktop notification per crossing per day. */
import type { TodaySpend } from '../shared/contract'
import { formatUsd } from './format'

/** `none` when no budget is set. */
export type BudgetState = 'none' | 'under' | 'near' | 'over'

/** From this share of the budget on, the badge turns amber. */
export const NEAR_FRACTION = 0.8

/** Where today's spend stands against the daily budget. Reaching the budget counts as over. */
export function budgetState(costUsd: number, budgetUsd: number | null): BudgetState {
  if (budgetUsd === null) return 'none'
  if (budgetUsd <= 0) return costUsd > 0 ? 'over' : 'under'
  if (costUsd >= budgetUsd) return 'over'
  return costUsd >= budgetUsd * NEAR_FRACTION ? 'near' : 'under'
}

export interface BudgetAlert {
  title: string
  body: string
}

/** The notification raised when today's spend crosses the budget. */
export function budgetAlert(today: TodaySpend, budgetUsd: number): BudgetAlert {
  return {
    title: 'Daily budget reached',
    body: `Today's AI spend is ${formatUsd(today.costUsd)}, over your daily budget of ${formatUsd(budgetUsd)}.`,
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
export function createBudgetWatch(notify: (alert: BudgetAlert) => void): BudgetWatch {
  let notifiedFor: string | undefined
  return {
    update(today, budgetUsd) {
      const state = budgetState(today.costUsd, budgetUsd)
      if (state === 'over' && budgetUsd !== null) {
        const key = `${today.day}|${budgetUsd}`
        if (notifiedFor !== key) {
          notifiedFor = key
          notify(budgetAlert(today, budgetUsd))
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

/** A budget watch that raises real desktop notifications. */
export function setupBudget({ electron }: { electron: BudgetElectron }): BudgetWatch {
  return createBudgetWatch((alert) => {
    if (electron.Notification.isSupported()) new electron.Notification(alert).show()
  })
}
