import { type JSX, useEffect, useState } from 'react'
import type { AppApi, BackfillProgress } from '../../../shared/contract'
import { formatBytes, formatInt } from '../lib/format'
import { SourcesPanel } from './SourcesPanel'

/** Shown while the store is empty: what was found, and the first scan's progress. */
export function FirstRun({ api, tick, onFinished }: { api: AppApi; tick: number; onFinished: () => void }): JSX.Element {
  const [progress, setProgress] = useState<BackfillProgress>()
  const [error, setError] = useState<string>()

  useEffect(() => {
    let stopped = false
    let timer: ReturnType<typeof setTimeout> | undefined
    let wasRunning = false
    const poll = async (): Promise<void> => {
      try {
        const p = await api.backfillProgress()
        if (stopped) return
        setProgress(p)
        setError(undefined)
        if (wasRunning && !p.running) onFinished()
        wasRunning = p.running
        if (p.running) timer = setTimeout(() => void poll(), 1000)
      } catch (e) {
        if (!stopped) setError(e instanceof Error ? e.message : String(e))
      }
    }
    void poll()
    return () => {
      stopped = true
      if (timer !== undefined) clearTimeout(timer)
    }
  }, [api, onFinished])

  const total = progress === undefined ? 0 : progress.bytesTotal > 0 ? progress.bytesTotal : progress.filesTotal
  const done = progress === undefined ? 0 : progress.bytesTotal > 0 ? progress.bytesDone : progress.filesDone
  return (
    <div className="first-run" data-testid="first-run">
      <section className="card welcome">
        <h2>Welcome to Token Watch</h2>
        {progress?.running === true ? (
          <>
            <p>Reading the usage your agents have already logged. Charts appear as soon as the first events are in.</p>
            <label className="progress-label" htmlFor="backfill-progress">
              {formatInt(progress.filesDone)} of {formatInt(progress.filesTotal)} files
              {progress.bytesTotal > 0 && ` · ${formatBytes(progress.bytesDone)} of ${formatBytes(progress.bytesTotal)}`}
            </label>
            <progress id="backfill-progress" data-testid="backfill-progress" max={total || 1} value={done} />
          </>
        ) : (
          <p>
            No usage recorded yet. Token Watch reads Claude Code and Codex logs on this machine and accepts events on its local socket. Run an
            agent, or add extra log folders in Settings; the dashboard fills in as usage arrives.
          </p>
        )}
        {error !== undefined && <p className="error-text" role="alert">{error}</p>}
      </section>
      <SourcesPanel api={api} tick={tick} />
    </div>
  )
}
