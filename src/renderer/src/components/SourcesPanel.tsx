import { type JSX, useState } from 'react'
import { isLogSourceId, type LogSourceId } from '../../../shared/sources'
import type { AppApi } from '../../../shared/contract'
import { useAsync } from '../lib/use-async'
import { CursorImport } from './CursorImport'
import { SourceCard } from './SourceCard'
import { StateMessage } from './StateMessage'

/** Every source Token Watch watches or listens on, with its health. */
export function SourcesPanel({ api, tick, paused = false }: { api: AppApi; tick: number; paused?: boolean }): JSX.Element {
  const [switched, setSwitched] = useState(0)
  const [error, setError] = useState<string>()
  const status = useAsync(`sources#${tick}#${switched}`, () => api.sourceStatus())
  // Switching a source off or on is a setting: the engine stops (or starts) reading and watching it.
  const onSwitch =
    (id: LogSourceId) =>
    (on: boolean): void => {
      void (async () => {
        try {
          const s = await api.getSettings()
          const rest = s.disabledSources.filter((x) => x !== id)
          await api.setSettings({ disabledSources: on ? rest : [...rest, id] })
          setError(undefined)
        } catch (err) {
          setError((err as Error).message)
        }
        setSwitched((n) => n + 1)
      })()
    }
  const now = Date.now()
  return (
    <section aria-labelledby="sources-title" data-testid="sources-panel">
      <h2 id="sources-title" className="section-title">
        Sources
      </h2>
      {status.error !== undefined ? (
        <StateMessage kind="error" title="Could not read the sources">
          {status.error}
        </StateMessage>
      ) : status.data === undefined ? (
        <StateMessage kind="loading" title="Looking at sources…" />
      ) : status.data.length === 0 ? (
        <StateMessage kind="empty" title="No sources configured" />
      ) : (
        <>
          {error !== undefined && (
            <p role="alert" className="error-text">
              {error}
            </p>
          )}
          <div className="sources">
            {status.data.map((s) => (
              <SourceCard
                key={`${s.source}:${s.location}`}
                s={s}
                now={now}
                paused={paused}
                {...(isLogSourceId(s.source) ? { onSwitch: onSwitch(s.source) } : {})}
              >
                {s.source === 'cursor' && !s.disabled && <CursorImport api={api} onImported={() => setSwitched((n) => n + 1)} />}
              </SourceCard>
            ))}
          </div>
        </>
      )}
    </section>
  )
}
