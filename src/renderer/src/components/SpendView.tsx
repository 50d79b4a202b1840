import { type JSX } from 'react'
import type { AppApi, BudgetStatus, Figures, RateLimitSnapshot, UsageBlock } from '../../../shared/contract'
import { costState, formatClock, formatCompact, formatDateTime, formatInt, formatRelative, formatUsd, totalTokens } from '../lib/format'
import { useAsync } from '../lib/use-async'
import { ReconcileCard } from './ReconcileCard'
import { StateMessage } from './StateMessage'

const PERIOD: Record<BudgetStatus['budget']['period'], string> = { day: 'today', week: 'this week', month: 'this month' }

/** When a budget runs out: the time today, else the date and time. */
function runsOut(t: number, now: number, tz: string): string {
  const day = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: tz }).format(ms)
  return day(t) === day(now) ? formatClock(t, tz) : formatDateTime(t, tz)
}

function BudgetBar({ s, now, tz }: { s: BudgetStatus; now: number; tz: string }): JSX.Element {
  const amount = s.budget.amountUsd
  const pct = (usd: number) => `${Math.min(100, (usd / amount) * 100)}%`
  const f = s.forecast
  return (
    <li className={`budget budget-${s.level}`} data-testid={`budget-${s.budget.id}`} data-level={s.level}>
      <div className="budget-head">
        <strong>{s.budget.name}</strong>
        <span className="muted">{PERIOD[s.budget.period]}</span>
        <span className="budget-share" data-testid={`budget-${s.budget.id}-share`}>
          {Math.round(s.fraction * 100)}%
        </span>
      </div>
      <div
        className="budget-track"
        role="meter"
        aria-valuemin={0}
        aria-valuemax={amount}
        aria-valuenow={s.spentUsd}
        aria-label={`${s.budget.name}: spent`}
      >
        <div className="budget-fill" style={{ width: pct(s.spentUsd) }} />
        {f.method !== 'none' && (
          <div
            className="budget-forecast"
            style={{ left: pct(Math.min(s.spentUsd, f.endUsd)), width: `calc(${pct(f.endUsd)} - ${pct(s.spentUsd)})` }}
            title="forecast at period end"
          />
        )}
      </div>
      <p className="budget-figures" data-testid={`budget-${s.budget.id}-figures`}>
        {formatUsd(s.spentUsd)} of {formatUsd(amount)} · {formatUsd(s.leftUsd)} left
        {f.method !== 'none' && (
          <>
            {' '}
            · forecast {formatUsd(f.endUsd)} ({formatUsd(f.lowUsd)}–{formatUsd(f.highUsd)})
          </>
        )}
      </p>
      {s.runsOutAt !== null && (
        <p className="budget-runs-out" data-testid={`budget-${s.budget.id}-runs-out`}>
          At this pace it runs out at {runsOut(s.runsOutAt, now, tz)}.
        </p>
      )}
      {s.unpricedTokens > 0 && (
        <p className="muted">{formatCompact(s.unpricedTokens)} tokens in scope have no known price and are not counted.</p>
      )}
    </li>
  )
}

function Limits({ title, snap, now, testid }: { title: string; snap: RateLimitSnapshot | null; now: number; testid: string }): JSX.Element {
  return (
    <div className="plan-limits" data-testid={testid}>
      <h3>{title}</h3>
      {snap === null ? (
        <p className="muted">Not reported yet.</p>
      ) : (
        <>
          <ul>
            {snap.windows.map((w) => (
              <li key={w.name} data-testid={`${testid}-${w.name}`}>
                {w.windowMinutes === 300
                  ? '5-hour'
                  : w.windowMinutes === 10080
                    ? 'Weekly'
                    : w.windowMinutes === null
                      ? w.name
                      : `${Math.round(w.windowMinutes / 60)}-hour`}{' '}
                window: {Math.round(w.usedPercent)}% used
                {w.resetsAt !== null && <>, resets {formatRelative(w.resetsAt, now)}</>}
              </li>
            ))}
          </ul>
          <p className="muted" data-testid={`${testid}-age`}>
            Reported {formatRelative(snap.observedAt, now)}
            {snap.planType ? ` · plan ${snap.planType}` : ''}
          </p>
        </>
      )}
    </div>
  )
}

function BlockRow({ b, now, tz }: { b: UsageBlock; now: number; tz: string }): JSX.Element {
  const tokens = b.input + b.output + b.cacheRead + b.cacheWrite
  return (
    <tr data-testid="block-row" data-active={b.active ? 'true' : undefined}>
      <td>{formatDateTime(Date.parse(b.start), tz)}</td>
      <td>
        {b.active ? (
          <strong>active · {Math.max(0, Math.round((Date.parse(b.end) - now) / 60_000))} min left</strong>
        ) : (
          formatClock(Date.parse(b.end), tz)
        )}
      </td>
      <td className="num">{b.requests}</td>
      <td className="num">{formatCompact(tokens)}</td>
      <td className="num">{b.costUsd === null ? 'unpriced' : formatUsd(b.costUsd)}</td>
      <td data-testid={b.active ? 'block-burn' : undefined}>
        {b.burnRate && b.projection
          ? `${formatCompact(b.burnRate.tokensPerMinute)} tok/min${b.burnRate.costPerHour === null ? '' : ` · ${formatUsd(b.burnRate.costPerHour)}/h`} → ${b.projection.totalCostUsd === null ? formatCompact(b.projection.totalTokens) + ' tokens' : formatUsd(b.projection.totalCostUsd)} at end`
          : ''}
      </td>
    </tr>
  )
}

/** A cost as the rest of the dashboard writes it: unpriced when nothing of it has a price. */
function cost(f: Figures): string {
  const s = costState(f)
  return s === 'unpriced' ? 'unpriced' : `${formatUsd(f.costUsd)}${s === 'partial' ? ' + unpriced' : ''}`
}

/** How many blocks the table lists, newest first. */
const BLOCKS_SHOWN = 12

/** Budgets with their forecasts, plan limits as the agents report them, and Claude Code's 5-hour blocks. */
export function SpendView({ api, tz, tick, now }: { api: AppApi; tz: string; tick: number; now: number }): JSX.Element {
  const budgets = useAsync(`budgets#${tz}#${tick}#${now}`, () => api.budgets({ tz }))
  const limits = useAsync(`limits#${tick}#${now}`, () => api.planLimits())
  const blocks = useAsync(`blocks#${tick}#${now}`, () => api.blocks({}))
  const outlook = useAsync(`outlook#${tz}#${tick}#${now}`, () => api.outlook({ tz }))
  const users = useAsync(`users#${tick}#${now}`, () => api.userTotals())
  if (budgets.error !== undefined)
    return (
      <StateMessage kind="error" title="Could not load budgets">
        {budgets.error}
      </StateMessage>
    )
  return (
    <div className="spend-view">
      <section className="card" aria-labelledby="budgets-title">
        <h2 id="budgets-title">Budgets</h2>
        {outlook.data !== undefined && (
          <p className="outlook" data-testid="outlook">
            {outlook.data.map((o) => (
              <span key={o.period} data-testid={`outlook-${o.period}`}>
                All usage {PERIOD[o.period]}: {formatUsd(o.spentUsd)}
                {o.forecast.method === 'none'
                  ? ''
                  : `, forecast ${formatUsd(o.forecast.endUsd)} (${formatUsd(o.forecast.lowUsd)}–${formatUsd(o.forecast.highUsd)})`}
              </span>
            ))}
          </p>
        )}
        {budgets.data === undefined ? (
          <p className="muted">Loading…</p>
        ) : budgets.data.length === 0 ? (
          <p className="muted" data-testid="no-budgets">
            No budgets yet: add them in Settings.
          </p>
        ) : (
          <ul className="budgets">
            {budgets.data.map((s) => (
              <BudgetBar key={s.budget.id} s={s} now={now} tz={tz} />
            ))}
          </ul>
        )}
      </section>
      <section className="card" aria-labelledby="limits-title">
        <h2 id="limits-title">Plan limits</h2>
        <div className="plan-limits-row">
          <Limits title="Codex" snap={limits.data?.codex ?? null} now={now} testid="limits-codex" />
          <Limits title="Claude Code" snap={limits.data?.claude ?? null} now={now} testid="limits-claude" />
        </div>
      </section>
      <section className="card" aria-labelledby="users-title">
        <h2 id="users-title">Per user</h2>
        {users.data === undefined || users.data.length === 0 ? (
          <p className="muted">{users.data === undefined ? 'Loading…' : 'No usage yet.'}</p>
        ) : (
          <div className="table-wrap">
            <table className="blocks-table">
              <thead>
                <tr>
                  <th>User</th>
                  <th className="num">Lifetime cost</th>
                  <th className="num">Lifetime tokens</th>
                  <th className="num">Last 24 h cost</th>
                  <th className="num">Last 24 h tokens</th>
                </tr>
              </thead>
              <tbody>
                {users.data.map((u) => (
                  <tr key={u.userId} data-testid="user-row" data-user={u.userId}>
                    <td>{u.userId}</td>
                    <td className="num">{cost(u.lifetime)}</td>
                    <td className="num">{formatInt(totalTokens(u.lifetime))}</td>
                    <td className="num">{cost(u.last24h)}</td>
                    <td className="num">{formatInt(totalTokens(u.last24h))}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section className="card" aria-labelledby="blocks-title">
        <h2 id="blocks-title">Claude Code 5-hour blocks</h2>
        {blocks.data === undefined || blocks.data.length === 0 ? (
          <p className="muted" data-testid="no-blocks">
            {blocks.data === undefined ? 'Loading…' : 'No Claude Code usage yet.'}
          </p>
        ) : (
          <div className="table-wrap">
            <table className="blocks-table">
              <thead>
                <tr>
                  <th>Start</th>
                  <th>End</th>
                  <th className="num">Requests</th>
                  <th className="num">Tokens</th>
                  <th className="num">Cost</th>
                  <th>Burn rate</th>
                </tr>
              </thead>
              <tbody>
                {[...blocks.data]
                  .reverse()
                  .slice(0, BLOCKS_SHOWN)
                  .map((b) => (
                    <BlockRow key={b.start} b={b} now={now} tz={tz} />
                  ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <ReconcileCard api={api} />
    </div>
  )
}
