/**
 * Threshold notifications, remembered in the store: one per budget, threshold, period and amount,
 * so a restart never repeats one (a changed amount is a new limit, and crossing it is news).
 */
import type { BudgetAlert, BudgetStatus } from '../../shared/contract'
import type { Store } from '../store/open-store'

/**
 * Records the thresholds newly reached and returns the alerts to raise: per budget only the
 * highest newly reached threshold (80 % and 100 % crossed in one step say "100 %" once).
 */
export function claimAlerts(store: Store, statuses: BudgetStatus[], now = Date.now()): BudgetAlert[] {
  const insert = store.db.prepare(`INSERT OR IGNORE INTO budget_alerts (budget_id, period_start, threshold, amount_nusd, notified_at)
    VALUES (?, ?, ?, ?, ?)`)
  const alerts: BudgetAlert[] = []
  store.db.transaction(() => {
    for (const s of statuses) {
      let top: number | undefined
      for (const t of [...s.reached].sort((a, b) => a - b)) {
        const r = insert.run(s.budget.id, s.periodStart, t, Math.round(s.budget.amountUsd * 1e9), now)
        if (r.changes === 1) top = t
      }
      if (top !== undefined) {
        alerts.push({
          budgetId: s.budget.id,
          budgetName: s.budget.name,
          period: s.budget.period,
          threshold: top,
          periodStart: s.periodStart,
          spentUsd: s.spentUsd,
          amountUsd: s.budget.amountUsd,
        })
      }
    }
  })()
  return alerts
}
