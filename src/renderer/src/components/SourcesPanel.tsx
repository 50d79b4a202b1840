import { type JSX } from 'react'
import type { AppApi } from '../../../shared/contract'
import { useAsync } from '../lib/use-async'
import { SourceCard } from './SourceCard'
import { StateMessage } from './StateMessage'

/** Every source Token Watch watches or listens on, with its health. */
export function SourcesPanel({ api, tick }: { api: AppApi; tick: number }): JSX.Element {
  const status = useAsync(`sources#${tick}`, () => api.sourceStatus())
  const now = Date.now()
  return (
    <section aria-labelledby="sources-title" data-testid="sources-panel">
      <h2 id="sources-title" className="section-title">Sources</h2>
      {status.error !== undefined ? (
        <StateMessage kind="error" title="Could not read the sources">{status.error}</StateMessage>
      ) : status.data === undefined ? (
        <StateMessage kind="loading" title="Looking at sources…" />
      ) : status.data.length === 0 ? (
        <StateMessage kind="empty" title="No sources configured" />
      ) : (
        <div className="sources">{status.data.map((s) => <SourceCard key={`${s.source}:${s.location}`} s={s} now={now} />)}</div>
      )}
    </section>
  )
}
