import { type JSX } from 'react'
import type { Figures, RangeForecast } from '../../../shared/contract'
import { costState, formatCompact, formatInt, formatUsd, totalTokens } from '../lib/format'
import { KpiTile, change } from './KpiTile'

/** Cost, tokens, requests and sessions for the range, each against the previous period. */
export function KpiTiles({
  current,
  previous,
  sessions,
  prevSessions,
  forecast,
}: {
  /** The cost forecast at the range's end, when the range runs past now. */
  forecast?: RangeForecast | null
  current: Figures | undefined
  previous: Figures | undefined
  /** 'per-machine' where the data holds no sessions (the team, my machines). */
  sessions: number | 'per-machine' | undefined
  prevSessions: number | undefined
}): JSX.Element {
  const dash = '—'
  const state = current === undefined ? 'priced' : costState(current)
  const costValue =
    current === undefined ? (
      dash
    ) : state === 'unpriced' ? (
      <span className="unpriced-text" data-unpriced="true">
        unpriced
      </span>
    ) : (
      formatUsd(current.costUsd)
    )
  return (
    <div className="kpis">
      <KpiTile
        label="Cost"
        testid="kpi-cost"
        value={costValue}
        delta={state === 'unpriced' ? undefined : change(current?.costUsd, previous?.costUsd)}
        note={
          <>
            {forecast && forecast.forecast.method !== 'none' && (
              <span className="muted kpi-forecast" data-testid="kpi-cost-forecast">
                forecast {formatUsd(forecast.forecast.endUsd)} ({formatUsd(forecast.forecast.lowUsd)}–{formatUsd(forecast.forecast.highUsd)}
                ) by the range&apos;s end
              </span>
            )}
            {current !== undefined && current.unpricedTokens > 0 && (
              <span className="badge badge-warn" data-testid="kpi-cost-unpriced">
                {formatCompact(current.unpricedTokens)} tokens unpriced
              </span>
            )}
          </>
        }
      />
      <KpiTile
        label="Tokens"
        testid="kpi-tokens"
        value={current === undefined ? dash : formatInt(totalTokens(current))}
        delta={change(current && totalTokens(current), previous && totalTokens(previous))}
        note={
          current === undefined ? undefined : (
            <span className="muted">
              {formatCompact(current.input)} in · {formatCompact(current.output)} out ·{' '}
              {formatCompact(current.cacheRead + current.cacheWrite)} cache
            </span>
          )
        }
      />
      <KpiTile
        label="Requests"
        testid="kpi-requests"
        value={current === undefined ? dash : formatInt(current.requests)}
        delta={change(current?.requests, previous?.requests)}
      />
      {sessions === 'per-machine' ? (
        <KpiTile
          label="Sessions"
          testid="kpi-sessions"
          value="per machine"
          delta={undefined}
          changeText="sessions stay on each machine: switch to This machine to count its own"
        />
      ) : (
        <KpiTile
          label="Sessions"
          testid="kpi-sessions"
          value={sessions === undefined ? dash : formatInt(sessions)}
          delta={change(sessions, prevSessions)}
        />
      )}
    </div>
  )
}
