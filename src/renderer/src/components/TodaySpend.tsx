import { type JSX } from 'react'
import { budgetState, NEAR_FRACTION } from '../../../shared/budget'
import type { AppApi } from '../../../shared/contract'
import { costState, formatCompact, formatUsd } from '../lib/format'
import { useAsync } from '../lib/use-async'

/** "Mar 5" for the day's YYYY-MM-DD key. */
function formatDay(day: string): string {
  const [y, m, d] = day.split('-').map(Number)
  return new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', month: 'short', day: 'numeric' }).format(
    Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1),
  )
}

/**
 * Today's spend in the viewer's zone, against the daily budget when one is set. `whose` names the
 * data when it is not this machine's ("Team", "My machines"): the label then says so.
 */
export function TodaySpend({
  api,
  tz,
  budget,
  tick,
  whose,
}: {
  api: AppApi
  tz: string
  budget: number | null
  tick: number
  whose?: string
}): JSX.Element | null {
  const today = useAsync(`${whose ?? ''}#${tz}#${tick}`, () => api.todaySpend({ tz }))
  const t = today.data
  if (t === undefined) return null
  // The tray's rule (src/shared/budget.ts): reaching the budget is over.
  const budgetIs = budgetState(t.costUsd, budget)
  const over = budgetIs === 'over'
  const state = costState(t)
  return (
    <div
      className={`today${over ? ' over' : budgetIs === 'near' ? ' near' : ''}`}
      data-testid="today-spend"
      data-budget={budgetIs}
      title={t.unpricedTokens > 0 ? `${formatCompact(t.unpricedTokens)} tokens today have no known price` : undefined}
    >
      <span
        className="today-label"
        data-testid="today-label"
        title={`${whose === undefined ? 'This machine' : whose}: spent since midnight in ${tz}, whatever range the dashboard shows`}
      >
        {whose === undefined ? 'Today' : `${whose} today`}, {formatDay(t.day)}
      </span>
      <strong className="today-value" data-testid="today-spend-value">
        {state === 'unpriced' ? 'unpriced' : formatUsd(t.costUsd)}
      </strong>
      {state === 'partial' && <span className="badge badge-warn">+ unpriced</span>}
      {budget !== null && (
        <>
          <meter
            min={0}
            max={budget || 1}
            low={budget * NEAR_FRACTION}
            high={budget}
            optimum={0}
            value={Math.min(t.costUsd, budget || 1)}
            aria-label="Share of daily budget spent"
          />
          <span className="today-budget" data-testid="today-budget">
            {over ? 'over ' : 'of '}
            {formatUsd(budget)}
          </span>
        </>
      )}
    </div>
  )
}
