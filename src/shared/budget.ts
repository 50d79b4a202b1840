/**
 * The one budget rule, shared by the tray (main) and the dashboard header (renderer), so both
 * say "over" at the same cent.
 */

/** `none` when no budget is set. */
export type BudgetState = 'none' | 'under' | 'near' | 'over'

/** From this share of the budget on, spend is near it. */
export const NEAR_FRACTION = 0.8

/** Where today's spend stands against the daily budget. Reaching the budget counts as over. */
export function budgetState(costUsd: number, budgetUsd: number | null): BudgetState {
  if (budgetUsd === null) return 'none'
  if (budgetUsd <= 0) return costUsd > 0 ? 'over' : 'under'
  if (costUsd >= budgetUsd) return 'over'
  return costUsd >= budgetUsd * NEAR_FRACTION ? 'near' : 'under'
}

/** How urgent each state is: the tray shows the most urgent, lists sort by it. */
export const URGENCY: Record<BudgetState, number> = { over: 3, near: 2, under: 1, none: 0 }

/** The most urgent level of a list (the tray's colour); `none` without budgets. */
export function mostUrgent(levels: BudgetState[]): BudgetState {
  return levels.reduce<BudgetState>((a, b) => (URGENCY[b] > URGENCY[a] ? b : a), 'none')
}

/** The thresholds a budget gets when it names none: a warning at 80 %, one at 100 %. */
export const DEFAULT_THRESHOLDS: readonly number[] = [80, 100]
