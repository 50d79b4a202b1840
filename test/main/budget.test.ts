import { describe, expect, it } from 'vitest'
import type { TodaySpend } from '../../src/shared/contract'
import { budgetState as sharedBudgetState } from '../../src/shared/budget'
import { budgetState, createBudgetWatch, setupBudget, type BudgetAlert } from '../../src/main/budget'
import { fakeElectron } from './fake-electron'

const spend = (day: string, costUsd: number): TodaySpend => ({ day, tz: 'UTC', costUsd, tokens: 0, requests: 0, unpricedTokens: 0, topModels: [] })

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
  it('notifies once when the day crosses the budget, and again only on a new day', () => {
    const alerts: BudgetAlert[] = []
    const watch = createBudgetWatch((a) => alerts.push(a))
    expect(watch.update(spend('2026-03-10', 9), 10)).toBe('near')
    expect(watch.update(spend('2026-03-10', 10.5), 10)).toBe('over')
    expect(watch.update(spend('2026-03-10', 12), 10)).toBe('over')
    expect(alerts).toEqual([{ title: 'Daily budget reached', body: "Today's AI spend is $10.50, over your daily budget of $10.00." }])
    expect(watch.update(spend('2026-03-11', 0.5), 10)).toBe('under')
    expect(watch.update(spend('2026-03-11', 11), 10)).toBe('over')
    expect(alerts).toHaveLength(2)
  })

  it('raises a real notification through electron, and none where notifications are unsupported', () => {
    const fake = fakeElectron()
    setupBudget({ electron: fake.electron }).update(spend('2026-03-10', 3), 2)
    expect(fake.notifications).toEqual([{ title: 'Daily budget reached', body: "Today's AI spend is $3.00, over your daily budget of $2.00." }])
    fake.setNotificationsSupported(false)
    setupBudget({ electron: fake.electron }).update(spend('2026-03-10', 3), 2)
    expect(fake.notifications).toHaveLength(1)
  })

  it('writes the notification\'s amounts in the app\'s locale', () => {
    const fake = fakeElectron()
    setupBudget({ electron: fake.electron, locale: 'de-DE' }).update(spend('2026-03-10', 1234.5), 1000)
    expect(fake.notifications).toEqual([{ title: 'Daily budget reached', body: "Today's AI spend is 1.234,50\u00a0$, over your daily budget of 1.000,00\u00a0$." }])
  })
})
