import { describe, expect, it } from 'vitest'
import { budgetState as sharedBudgetState } from '../../src/shared/budget'
import { budgetNotice, budgetState, createBudgetWatch, setupBudget, type BudgetNotice } from '../../src/main/budget'
import { fakeElectron } from './fake-electron'
import { engineEnv, makeEngine, usage } from './helpers'
import type { Engine } from '../../src/engine/live/engine'
import { budgetStatuses } from '../../src/engine/budgets/status'
import { claimAlerts } from '../../src/engine/budgets/alerts'
import type { BudgetWatch } from '../../src/main/budget'
import type { BudgetStatus } from '../../src/shared/contract'

/** What the tray does on each refresh: the statuses through the engine, then the notifications due. */
function check(watch: BudgetWatch, engine: Engine, tz: string, now: number): BudgetStatus[] {
  const statuses = budgetStatuses(engine.store, engine.settings, tz, now)
  watch.notifyDue(statuses, now)
  return statuses
}

// 2026-03-10 15:00 UTC, a Tuesday.
const NOW = Date.UTC(2026, 2, 10, 15, 0)

describe('budgetState', () => {
  it('is under below 80%, near from 80%, over from the budget itself', () => {
    expect(budgetState(5, null)).toBe('none')
    expect(budgetState(7.99, 10)).toBe('under')
    expect(budgetState(8, 10)).toBe('near')
    expect(budgetState(9.99, 10)).toBe('near')
    expect(budgetState(10, 10)).toBe('over')
    expect(budgetState(0, 0)).toBe('under')
    expect(budgetState(0.01, 0)).toBe('over')
  })

  it('is the one rule in src/shared that the dashboard header uses too', () => {
    expect(budgetState).toBe(sharedBudgetState)
  })
})

describe('createBudgetWatch', () => {
  it('notifies once per threshold and period, never again after a restart', async () => {
    const env = engineEnv()
    let engine = await makeEngine({ env })
    await engine.updateSettings({
      dailyBudgetUsd: 1,
      budgets: [{ id: 'wk', name: 'Weekly', amountUsd: 5, period: 'week', scope: {}, thresholds: [50, 100] }],
    })
    const notices: BudgetNotice[] = []
    const watch = createBudgetWatch(
      (st, now) => claimAlerts(engine.store, st, now),
      (n) => notices.push(n),
    )
    await engine.writer.submit([usage('a', NOW - 60_000)]) // $0.60
    expect(check(watch, engine, 'UTC', NOW).map((s) => [s.budget.id, s.level])).toEqual([
      ['daily', 'under'],
      ['wk', 'under'],
    ])
    await engine.writer.submit([usage('b', NOW - 50_000, { input: 80_000, output: 0 })]) // $0.84
    expect(check(watch, engine, 'UTC', NOW)[0]?.level).toBe('near')
    expect(notices).toEqual([{ title: 'Daily budget: 80% used', body: "Today's AI spend is $0.84 of your daily budget of $1.00." }])
    await engine.writer.submit([usage('c', NOW - 40_000, { input: 100_000, output: 0 })]) // $1.14
    check(watch, engine, 'UTC', NOW)
    check(watch, engine, 'UTC', NOW)
    expect(notices.slice(1)).toEqual([
      { title: 'Daily budget reached', body: "Today's AI spend is $1.14, over your daily budget of $1.00." },
    ])
    await engine.stop()

    engine = await makeEngine({ env })
    const again = createBudgetWatch(
      (st, now) => claimAlerts(engine.store, st, now),
      (n) => notices.push(n),
    )
    expect(check(again, engine, 'UTC', NOW + 1000)[0]?.level).toBe('over')
    expect(notices).toHaveLength(2)
    // Four more requests of $0.45: $2.94 this week, 59 % of $5.
    await engine.writer.submit([1, 2, 3, 4].map((i) => usage(`d${i}`, NOW - 30_000 + i, { input: 150_000, output: 0 })))
    check(again, engine, 'UTC', NOW + 2000)
    expect(notices.slice(2)).toEqual([{ title: 'Weekly: 50% used', body: "This week's AI spend is $2.94 of your Weekly of $5.00." }])
  })

  it('raises a real notification through electron, and none where notifications are unsupported', async () => {
    const engine = await makeEngine()
    await engine.updateSettings({ dailyBudgetUsd: 0.5 })
    await engine.writer.submit([usage('a', NOW - 60_000)])
    const fake = fakeElectron()
    fake.setNotificationsSupported(false)
    check(setupBudget({ electron: fake.electron, claim: (st, now) => claimAlerts(engine.store, st, now) }), engine, 'UTC', NOW)
    expect(fake.notifications).toHaveLength(0)
    fake.setNotificationsSupported(true)
    await engine.updateSettings({ dailyBudgetUsd: 0.4 }) // a new amount is a new limit
    check(setupBudget({ electron: fake.electron, claim: (st, now) => claimAlerts(engine.store, st, now) }), engine, 'UTC', NOW)
    expect(fake.notifications).toEqual([
      { title: 'Daily budget reached', body: "Today's AI spend is $0.60, over your daily budget of $0.40." },
    ])
  })

  it("writes the notification's amounts in the app's locale", () => {
    const n = budgetNotice(
      { budgetId: 'daily', budgetName: 'Daily budget', period: 'day', threshold: 100, periodStart: 0, spentUsd: 1234.5, amountUsd: 1000 },
      'de-DE',
    )
    expect(n).toEqual({
      title: 'Daily budget reached',
      body: "Today's AI spend is 1.234,50\u00a0$, over your daily budget of 1.000,00\u00a0$.",
    })
  })
})
