/**
 * Budgets on the desktop: the engine decides (spend, levels, which threshold notifications are
 * due, remembered in the store); this module only words the notifications and raises them.
 */
import type { BudgetAlert, BudgetPeriod, BudgetStatus } from '../shared/contract'
import { formatCount, formatUsd } from './format'

// The rule itself lives in src/shared so the dashboard header applies the very same one.
export { budgetState, NEAR_FRACTION, type BudgetState } from '../shared/budget'

export interface BudgetNotice {
  title: string
  body: string
}

const THIS: Record<BudgetPeriod, string> = { day: "Today's", week: "This week's", month: "This month's" }

/** The words of one threshold notification. */
export function budgetNotice(a: BudgetAlert, locale?: string): BudgetNotice {
  const usd = (n: number): string => formatUsd(n, locale)
  const name = a.budgetId === 'daily' ? 'daily budget' : a.budgetName
  if (a.threshold >= 100) {
    return {
      title: a.budgetId === 'daily' ? 'Daily budget reached' : `${a.budgetName} reached`,
      body: `${THIS[a.period]} AI spend is ${usd(a.spentUsd)}, over your ${name} of ${usd(a.amountUsd)}.`,
    }
  }
  return {
    title: `${a.budgetId === 'daily' ? 'Daily budget' : a.budgetName}: ${formatCount(a.threshold, locale)}% used`,
    body: `${THIS[a.period]} AI spend is ${usd(a.spentUsd)} of your ${name} of ${usd(a.amountUsd)}.`,
  }
}

/**
 * Which threshold notifications are due for these statuses, each claimed so it is never due
 * again (the engine keeps them in its store: `claimAlerts`).
 */
export type ClaimAlerts = (statuses: BudgetStatus[], now: number) => BudgetAlert[]

/** Raises each notification that is due for the budgets' statuses (once, ever). */
export interface BudgetWatch {
  notifyDue(statuses: BudgetStatus[], now: number): void
}

export function createBudgetWatch(claim: ClaimAlerts, notify: (notice: BudgetNotice) => void, locale?: string): BudgetWatch {
  return {
    notifyDue(statuses, now) {
      for (const a of claim(statuses, now)) notify(budgetNotice(a, locale))
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
export function setupBudget({ electron, claim, locale }: { electron: BudgetElectron; claim: ClaimAlerts; locale?: string }): BudgetWatch {
  return createBudgetWatch(
    claim,
    (notice) => {
      if (electron.Notification.isSupported()) new electron.Notification(notice).show()
    },
    locale,
  )
}
