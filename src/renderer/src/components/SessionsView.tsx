import { type JSX, useState } from 'react'
import type { AppApi, SessionSummary, UsageFilter } from '../../../shared/contract'
import { formatInt } from '../lib/format'
import { useAsync } from '../lib/use-async'
import { SessionTimeline } from './SessionTimeline'
import { SessionsList } from './SessionsList'
import { StateMessage } from './StateMessage'

/** "1,400 in this range, showing the 500 most recent" when the list is cut, else its length. */
function countNote(shown: number, total: number | undefined): string {
  if (total === undefined || total <= shown) return `${formatInt(shown)} in this range`
  return `${formatInt(total)} in this range, showing the ${formatInt(shown)} most recent`
}

/** The sessions of the range and filters (the most recent 500 listed, all counted), with drill-down into one. */
export function SessionsView({
  api,
  filter,
  tz,
  tick,
  unpricedModels,
}: {
  api: AppApi
  filter: UsageFilter
  tz: string
  tick: number
  unpricedModels: readonly string[]
}): JSX.Element {
  const [open, setOpen] = useState<SessionSummary>()
  const key = `${JSON.stringify(filter)}#${tick}`
  const sessions = useAsync(key, () => api.sessions(filter))
  const total = useAsync(key, () => api.sessionCount(filter))
  if (open !== undefined) {
    // Show the freshest summary of the open session once a refetch brings one.
    const fresh = sessions.data?.find((s) => s.sessionId === open.sessionId) ?? open
    return <SessionTimeline api={api} session={fresh} tz={tz} tick={tick} onBack={() => setOpen(undefined)} />
  }
  return (
    <section className="card" aria-labelledby="sessions-title">
      <header className="card-header">
        <h2 id="sessions-title">Sessions</h2>
        {sessions.data !== undefined && (
          <span className="muted" data-testid="sessions-count">
            {countNote(sessions.data.length, total.data)}
          </span>
        )}
      </header>
      {sessions.error !== undefined ? (
        <StateMessage kind="error" title="Could not load sessions">
          {sessions.error}
        </StateMessage>
      ) : sessions.data === undefined ? (
        <StateMessage kind="loading" title="Loading sessions…" />
      ) : sessions.data.length === 0 ? (
        <StateMessage kind="empty" title="No sessions in this range">
          Try a longer range or clear the filters.
        </StateMessage>
      ) : (
        <SessionsList sessions={sessions.data} tz={tz} unpricedModels={new Set(unpricedModels)} onOpen={setOpen} />
      )}
    </section>
  )
}
