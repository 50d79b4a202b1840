import { type JSX, useMemo } from 'react'
import type { AppApi, SessionSummary } from '../../../shared/contract'
import { TOKEN_BUCKETS } from '../../../shared/usage'
import { BUCKET_LABELS, PALETTE, type ChartData } from '../lib/chart-data'
import { formatDateTime, formatInt, formatTime, totalTokens } from '../lib/format'
import { useAsync } from '../lib/use-async'
import { Cost } from './Cost'
import { StateMessage } from './StateMessage'
import { UsageChart } from './UsageChart'

/** One session request by request: tokens per request as bars, then the requests as a table. */
export function SessionTimeline({ api, session, tz, tick, onBack }: {
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
    return {
      keys: ev.map((e) => formatTime(e.ts, tz)),
      datasets: TOKEN_BUCKETS.map((b, i) => ({ label: BUCKET_LABELS[b], data: ev.map((e) => e[b]), backgroundColor: PALETTE[i] ?? '#888', unpriced: false })),
    }
  }, [events.data, tz])

  return (
    <section className="card" aria-labelledby="timeline-title" data-testid="session-timeline">
      <header className="card-header">
        <div>
          <button type="button" className="link" onClick={onBack} data-testid="session-back">← All sessions</button>
          <h2 id="timeline-title">Session {session.sessionId}</h2>
          <p className="muted">
            {session.agentId} · {session.project} · {formatDateTime(session.firstTs, tz)} – {formatDateTime(session.lastTs, tz)} · {formatInt(session.requests)} requests · {formatInt(totalTokens(session))} tokens · <Cost f={session} />
          </p>
        </div>
      </header>
      {events.error !== undefined ? (
        <StateMessage kind="error" title="Could not load this session">{events.error}</StateMessage>
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
                  <th scope="col">Time</th><th scope="col">Model</th>
                  <th scope="col" className="num">Input</th><th scope="col" className="num">Output</th>
                  <th scope="col" className="num">Cache read</th><th scope="col" className="num">Cache write</th>
                  <th scope="col" className="num">Cost</th>
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
                    <td className="num"><Cost f={e} /></td>
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
