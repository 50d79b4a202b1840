import { type JSX, useEffect, useState } from 'react'
import type { AppApi, BackfillProgress, DiscoveredLogs, SourceStatus } from '../../../shared/contract'
import { formatBytes, formatInt } from '../lib/format'
import { useAsync } from '../lib/use-async'
import { SOURCE_NAMES } from './SourceCard'

/** How often the view asks how the backfill is doing, and how long it waits after a failed ask. */
const POLL_MS = 500
const RETRY_MS = 2000

const plural = (n: number, one: string, many: string): string => `${formatInt(n)} ${n === 1 ? one : many}`

/** "412 sessions in 37 projects", from the files found on disk. */
export function foundSummary(d: DiscoveredLogs): string {
  const sessions = plural(d.sessions, 'session', 'sessions')
  return d.projects === undefined ? sessions : `${sessions} in ${plural(d.projects, 'project', 'projects')}`
}

/**
 * Polls the backfill until one full pass has completed, then calls `onFinished` once. It keeps
 * polling while nothing runs yet: the engine may still be setting up its watcher before the
 * backfill starts, and a failed ask is retried rather than ending the view's updates.
 */
function useBackfill(api: AppApi, onFinished: () => void): { progress: BackfillProgress | undefined; error: string | undefined } {
  const [progress, setProgress] = useState<BackfillProgress>()
  const [error, setError] = useState<string>()
  useEffect(() => {
    let stopped = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const poll = async (): Promise<void> => {
      let wait = POLL_MS
      try {
        const p = await api.backfillProgress()
        if (stopped) return
        setProgress(p)
        setError(undefined)
        if (p.completedOnce) return onFinished()
      } catch (e) {
        if (stopped) return
        setError(e instanceof Error ? e.message : String(e))
        wait = RETRY_MS
      }
      timer = setTimeout(() => void poll(), wait)
    }
    void poll()
    return () => {
      stopped = true
      if (timer !== undefined) clearTimeout(timer)
    }
  }, [api, onFinished])
  return { progress, error }
}

function SourceLine({ s }: { s: SourceStatus }): JSX.Element {
  const name = SOURCE_NAMES[s.source]
  const d = s.discovered
  if (s.found && d !== undefined && d.files > 0) {
    return (
      <li className="found-source" data-testid={`first-run-${s.source}`} data-found="true">
        <span className="badge badge-ok">found</span> <strong>{name}</strong>: {foundSummary(d)}
      </li>
    )
  }
  return (
    <li className="missing-source" data-testid={`first-run-${s.source}`} data-found="false">
      <span className="badge badge-muted">not found</span> <strong>{name}</strong>: {s.found ? 'no session logs yet in' : 'nothing at'}{' '}
      <code>{s.location}</code>. <span className="muted">{s.hint ?? ''}</span>
    </li>
  )
}

function Progress({ progress }: { progress: BackfillProgress | undefined }): JSX.Element {
  if (progress?.running === true) {
    const bytes = progress.bytesTotal > 0
    return (
      <>
        <label className="progress-label" htmlFor="backfill-progress" data-testid="backfill-label">
          Reading their history: {formatInt(progress.filesDone)} of {formatInt(progress.filesTotal)} files
          {bytes && ` · ${formatBytes(progress.bytesDone)} of ${formatBytes(progress.bytesTotal)}`}
        </label>
        <progress
          id="backfill-progress"
          data-testid="backfill-progress"
          max={(bytes ? progress.bytesTotal : progress.filesTotal) || 1}
          value={bytes ? progress.bytesDone : progress.filesDone}
        />
      </>
    )
  }
  if (progress === undefined || !progress.completedOnce) {
    return (
      <>
        <label className="progress-label" htmlFor="backfill-progress" data-testid="backfill-label">
          Getting ready to read their history…
        </label>
        {/* No value: an indeterminate bar until the backfill reports its size. */}
        <progress id="backfill-progress" data-testid="backfill-progress" />
      </>
    )
  }
  return (
    <p data-testid="backfill-label">
      No usage recorded yet. Run an agent, add its log folder in Settings, or push events to the local socket; the dashboard opens as usage
      arrives.
    </p>
  )
}

/**
 * The first run: which agents' logs were found (counted from the files on disk) with a progress bar
 * while their history is read, and a one-line hint for each agent not found. Stays up until the
 * first full backfill has finished, even once the first events are in.
 */
export function FirstRun({ api, tick, onFinished }: { api: AppApi; tick: number; onFinished: () => void }): JSX.Element {
  const { progress, error } = useBackfill(api, onFinished)
  // Re-counted when usage changes and when the backfill moves on (agents may be writing meanwhile).
  const sources = useAsync(`first-run#${tick}#${progress?.running ?? 'none'}`, () => api.sourceStatus())
  const logSources = (sources.data ?? []).filter((s) => s.discovered !== undefined)
  const pushed = (sources.data ?? []).filter((s) => s.discovered === undefined)
  return (
    <div className="first-run" data-testid="first-run">
      <section className="card welcome" aria-labelledby="welcome-title">
        <h2 id="welcome-title">Welcome to Token Watch</h2>
        {sources.data === undefined ? (
          <p className={sources.error === undefined ? 'muted' : 'error-text'} role={sources.error === undefined ? 'status' : 'alert'}>
            {sources.error === undefined ? 'Looking for agent logs…' : `Could not look for agent logs: ${sources.error}`}
          </p>
        ) : (
          <ul className="found-sources" data-testid="first-run-sources">
            {logSources.map((s) => (
              <SourceLine key={s.source} s={s} />
            ))}
          </ul>
        )}
        <Progress progress={progress} />
        {pushed.length > 0 && (
          <p className="muted">
            Also accepting pushed usage at{' '}
            {pushed.map((s, i) => (
              <span key={s.source}>
                {i > 0 && ', '}
                <code>{s.location}</code>
              </span>
            ))}
            .
          </p>
        )}
        {error !== undefined && (
          <p className="error-text" role="alert" data-testid="backfill-error">
            Could not ask how the backfill is doing: {error} (retrying)
          </p>
        )}
      </section>
    </div>
  )
}
