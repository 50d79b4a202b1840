import { type JSX, useMemo } from 'react'
import type { AppApi, Figures, SessionEvent, SessionSummary } from '../../../shared/contract'
import { sessionLabel } from '../lib/session-label'
import { dayKey } from '../../../shared/time-zone'
import { TOKEN_BUCKETS } from '../../../shared/usage'
import { BUCKET_LABELS, PALETTE, type ChartData } from '../lib/chart-data'
import { formatBucketLabels, formatDateTime, formatInt, formatTime, totalTokens } from '../lib/format'
import { useAsync } from '../lib/use-async'
import { Cost } from './Cost'
import { StateMessage } from './StateMessage'
import { UsageChart } from './UsageChart'

/** "Mar 5" for a YYYY-MM-DD day (with its year outside this year). */
function formatDay(day: string): string {
  return formatBucketLabels([day], new Date().getFullYear())[0] ?? day
}

/** The whole session's figures from its requests, as listed. */
function sumEvents(ev: readonly SessionEvent[]): Figures & { firstTs: number; lastTs: number } {
  const f = {
    input: 0,
    output: 0,
    cacheRead: 0,
    cacheWrite: 0,
    requests: 0,
    costUsd: 0,
    unpricedTokens: 0,
    firstTs: Infinity,
    lastTs: -Infinity,
  }
  for (const e of ev) {
    f.input += e.input
    f.output += e.output
    f.cacheRead += e.cacheRead
    f.cacheWrite += e.cacheWrite
    f.requests += e.requests
    f.costUsd += e.costUsd
    f.unpricedTokens += e.unpricedTokens
    f.firstTs = Math.min(f.firstTs, e.ts)
    f.lastTs = Math.max(f.lastTs, e.ts)
  }
  return f
}

/** One session request by request: tokens per request as bars, then the requests as a table. */
export function SessionTimeline({
  api,
  session,
  tz,
  tick,
  onBack,
}: {
  api: AppApi
  session: SessionSummary
  tz: string
  tick: number
  onBack: () => void
}): JSX.Element {
  const events = useAsync(`${session.sessionId}#${tick}`, () => api.sessionEvents({ sessionId: session.sessionId }))
  const chart = useMemo<ChartData | undefined>(() => {
    const ev = events.data
    if (ev === undefined) return undefined
    // A session that runs past midnight: the first request of each new day shows its date and
    // a line marks the day's start.
    const days = ev.map((e) => dayKey(e.ts, tz))
    const marks = days.flatMap((d, i) => (i > 0 && d !== days[i - 1] ? [{ index: i, label: formatDay(d) }] : []))
    return {
      keys: ev.map((e) => formatTime(e.ts, tz)),
      labels: ev.map((e, i) =>
        i > 0 && days[i] !== days[i - 1] ? `${formatDay(days[i] ?? '')} ${formatTime(e.ts, tz)}` : formatTime(e.ts, tz),
      ),
      marks,
      datasets: TOKEN_BUCKETS.map((b, i) => ({
        label: BUCKET_LABELS[b],
        data: ev.map((e) => e[b]),
        backgroundColor: PALETTE[i] ?? '#888',
        unpriced: false,
      })),
    }
  }, [events.data, tz])

  // The header sums the requests listed below, so the two always agree; the session summary
  // (from the list) counts only the requests inside the selected range, said apart when it differs.
  const whole = useMemo(() => (events.data === undefined ? undefined : sumEvents(events.data)), [events.data])
  const inRange = whole !== undefined && session.requests !== whole.requests ? session.requests : undefined
  return (
    <section className="card" aria-labelledby="timeline-title" data-testid="session-timeline">
      <header className="card-header">
        <div>
          <button type="button" className="link" onClick={onBack} data-testid="session-back">
            ← All sessions
          </button>
          <h2 id="timeline-title">{sessionLabel(session, tz)}</h2>
          <p className="muted" data-testid="timeline-summary">
            {session.agentId} · {session.project === '' ? '' : `${session.project} · `}
            {formatDateTime(whole?.firstTs ?? session.firstTs, tz)} – {formatDateTime(whole?.lastTs ?? session.lastTs, tz)}
            {whole !== undefined && (
              <>
                {' · '}
                <span data-testid="timeline-requests">{formatInt(whole.requests)} requests</span> · {formatInt(totalTokens(whole))} tokens ·{' '}
                <Cost f={whole} />
                {inRange !== undefined && (
                  <span data-testid="timeline-in-range"> · {formatInt(inRange)} of them in the selected range</span>
                )}
              </>
            )}
          </p>
        </div>
      </header>
      {events.error !== undefined ? (
        <StateMessage kind="error" title="Could not load this session">
          {events.error}
        </StateMessage>
      ) : events.data === undefined || chart === undefined ? (
        <StateMessage kind="loading" title="Loading requests…" />
      ) : events.data.length === 0 ? (
        <StateMessage kind="empty" title="No requests recorded for this session" />
      ) : (
        <>
          <UsageChart data={chart} metric="tokens" description={`Tokens per request, ${events.data.length} requests`} />
          <div className="table-wrap">
            <table data-testid="session-events">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Model</th>
                  <th scope="col" className="num">
                    Input
                  </th>
                  <th scope="col" className="num">
                    Output
                  </th>
                  <th scope="col" className="num">
                    Cache read
                  </th>
                  <th scope="col" className="num">
                    Cache write
                  </th>
                  <th scope="col" className="num">
                    Cost
                  </th>
                </tr>
              </thead>
              <tbody>
                {events.data.map((e, i) => (
                  <tr key={`${e.ts}-${i}`}>
                    <td>{formatTime(e.ts, tz)}</td>
                    <td>{e.model}</td>
                    <td className="num">{formatInt(e.input)}</td>
                    <td className="num">{formatInt(e.output)}</td>
                    <td className="num">{formatInt(e.cacheRead)}</td>
                    <td className="num">{formatInt(e.cacheWrite)}</td>
                    <td className="num">
                      <Cost f={e} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  )
}
