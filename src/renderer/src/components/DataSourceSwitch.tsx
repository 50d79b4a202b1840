import { type JSX } from 'react'
import type { DataScope, DataSource } from '../../../shared/contract'
import { SegmentedControl } from './SegmentedControl'

/**
 * Whose data the dashboard shows, always said in words ("This machine (ana-laptop)",
 * "Team (postgres://db.example.com/team)"), with a switch where there is more than one source.
 */
export function DataSourceSwitch({
  sources,
  value,
  onChange,
}: {
  sources: readonly DataSource[]
  value: DataScope
  onChange: (s: DataScope) => void
}): JSX.Element | null {
  const shown = sources.find((s) => s.scope === value) ?? sources[0]
  if (shown === undefined) return null
  return (
    <div className="data-source">
      {sources.length > 1 && (
        <SegmentedControl
          label="Whose data"
          options={sources.map((s) => ({ id: s.scope, label: s.label }))}
          value={shown.scope}
          onChange={onChange}
          testid="data-scope"
        />
      )}
      <span className="data-source-label" data-testid="data-source" data-scope={shown.scope} title={shown.detail}>
        <strong>{shown.label}</strong> <span className="muted">({shown.detail})</span>
      </span>
    </div>
  )
}
