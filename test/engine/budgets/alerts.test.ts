import { SOURCE_IDS } from '../../../src/shared/sources'
import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { applyBatch } from '../../../src/engine/ingest/apply-batch'
import { openStore } from '../../../src/engine/store/open-store'
import { claimAlerts } from '../../../src/engine/budgets/alerts'
import { budgetStatuses } from '../../../src/engine/budgets/status'
import { validateBudgets } from '../../../src/engine/schema/settings'
import { validateSettingsPatch } from '../../../src/engine/settings'
import type { Budget } from '../../../src/shared/contract'
import { tempDir } from '../../helpers/temp'
import { event } from '../ingest/support'

const H = 3_600_000
const day: Budget = { id: 'day', name: 'Day', amountUsd: 10, period: 'day', scope: {}, thresholds: [80, 100] }

describe('threshold notifications: one per budget, threshold and period, kept in the store', () => {
  it('raises 80 % then 100 % once each, not again after a restart, again the next day', () => {
    const path = join(tempDir(), 'tw.db')
    let store = openStore(path)
    const t0 = Date.parse('2026-03-04T08:00:00Z')
    let n = 0
    const spend = (usd: number, at: number) => applyBatch(store, [{ events: [event(`e${n++}`, at)] }], () => usd * 1e9)
    const check = (now: number) =>
      claimAlerts(store, budgetStatuses(store, { dailyBudgetUsd: null, weekStart: 1, budgets: [day] }, 'UTC', now), now)

    spend(7, t0)
    expect(check(t0 + 1)).toEqual([])
    spend(1.5, t0 + H) // $8.50: 85 %
    expect(check(t0 + H + 1).map((a) => a.threshold)).toEqual([80])
    expect(check(t0 + H + 2)).toEqual([])
    store.close()

    store = openStore(path) // a restart
    expect(check(t0 + H + 3)).toEqual([])
    spend(2, t0 + 2 * H) // $10.50: over
    const [over] = check(t0 + 2 * H + 1)
    expect(over).toMatchObject({
      budgetId: 'day',
      threshold: 100,
      amountUsd: 10,
      spentUsd: 10.5,
      periodStart: Date.parse('2026-03-04T00:00:00Z'),
    })
    expect(check(t0 + 2 * H + 2)).toEqual([])

    // The next day jumps straight past both thresholds: one notification, the higher one.
    spend(11, t0 + 24 * H)
    expect(check(t0 + 24 * H + 1).map((a) => a.threshold)).toEqual([100])
    expect(check(t0 + 24 * H + 2)).toEqual([])
    store.close()
  })
})

describe('budget validation names the field and says why', () => {
  const one = (b: Record<string, unknown>) => validateBudgets([{ id: 'b', amountUsd: 5, period: 'day', ...b }])
  it.each([
    [{ amountUsd: -5 }, 'budgets[0].amountUsd: must be more than $0 (got -5)'],
    [{ amountUsd: 0 }, 'budgets[0].amountUsd: must be more than $0 (got 0)'],
    [{ amountUsd: 5e9 }, 'budgets[0].amountUsd: $5000000000 is more than $1,000,000; check the amount'],
    [{ amountUsd: '5' }, 'budgets[0].amountUsd: must be a number of US dollars'],
    [{ period: 'year' }, 'budgets[0].period: must be day, week or month'],
    [{ id: 'a b' }, 'budgets[0].id: must be 1-64 letters, digits, - or _'],
    [{ id: 'daily' }, 'budgets[0].id: "daily" is the daily budget\'s id'],
    [{ scope: { team: ['x'] } }, 'budgets[0].scope.team: unknown dimension (use agents, projects, models, users, sources)'],
    [{ scope: { sources: ['notepad'] } }, `budgets[0].scope.sources[0]: unknown source "notepad" (use ${SOURCE_IDS.join(', ')})`],
    [{ thresholds: [80, 80] }, 'budgets[0].thresholds: lists a percentage twice'],
    [{ thresholds: [-1] }, 'budgets[0].thresholds[0]: must be a percentage above 0 and at most 1000'],
    [{ colour: 'red' }, 'budgets[0].colour: unknown field'],
  ])('%j', (patch, error) => {
    expect(one(patch)).toEqual({ ok: false, error })
  })

  it('fills defaults and sorts thresholds; duplicate ids are refused', () => {
    expect(one({ scope: { projects: ['/a', '/b'], agents: [] }, thresholds: [100, 50] })).toEqual({
      ok: true,
      value: [{ id: 'b', name: 'b', amountUsd: 5, period: 'day', scope: { projects: ['/a', '/b'] }, thresholds: [50, 100] }],
    })
    expect(
      validateBudgets([
        { id: 'b', amountUsd: 1, period: 'day' },
        { id: 'b', amountUsd: 2, period: 'week' },
      ]),
    ).toEqual({ ok: false, error: 'budgets[1].id: "b" is used twice' })
  })

  it('settings: budgets, week start and an absurd daily budget', () => {
    expect(validateSettingsPatch({ budgets: [{ id: 'x', amountUsd: -1, period: 'day' }] })).toEqual({
      ok: false,
      error: 'budgets[0].amountUsd: must be more than $0 (got -1)',
    })
    expect(validateSettingsPatch({ weekStart: 0 })).toEqual({
      ok: false,
      error: "weekStart: must be 1 (Monday) to 7 (Sunday), or null for the locale's",
    })
    expect(validateSettingsPatch({ dailyBudgetUsd: 2e7 })).toEqual({
      ok: false,
      error: 'dailyBudgetUsd: $20000000 is more than $1,000,000; check the amount',
    })
    expect(validateSettingsPatch({ weekStart: 7, budgets: [] })).toEqual({ ok: true, value: { weekStart: 7, budgets: [] } })
  })
})
