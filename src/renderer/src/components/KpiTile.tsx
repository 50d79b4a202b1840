import { type JSX, type ReactNode } from 'react'
import { formatChange } from '../lib/format'

/** Change from `previous` to `current` as a ratio; undefined when there is nothing to compare. */
export function change(current: number | undefined, previous: number | undefined): number | 'new' | undefined {
  if (current === undefined || previous === undefined) return undefined
  if (previous === 0) return current === 0 ? 0 : 'new'
  return (current - previous) / previous
}

/** One headline figure with its change against the previous period. */
export function KpiTile({
  label,
  testid,
  value,
  delta,
  note,
  changeText,
}: {
  label: string
  testid: string
  value: ReactNode
  delta: number | 'new' | undefined
  note?: ReactNode
  /** Said in place of the change when no change can be given (why). */
  changeText?: string
}): JSX.Element {
  const dir = delta === undefined || delta === 'new' || delta === 0 ? 'flat' : delta > 0 ? 'up' : 'down'
  return (
    <section className="kpi card" data-testid={testid} aria-label={label}>
      <h3 className="kpi-label">{label}</h3>
      <p className="kpi-value" data-testid={`${testid}-value`}>
        {value}
      </p>
      <p className={`kpi-change ${dir}`} data-testid={`${testid}-change`}>
        {delta === undefined ? (
          <span className="muted">{changeText ?? 'no earlier period'}</span>
        ) : delta === 'new' ? (
          'new vs previous period'
        ) : (
          <>
            <span aria-hidden="true">{dir === 'up' ? '▲' : dir === 'down' ? '▼' : '■'}</span> {formatChange(delta)} vs previous period
          </>
        )}
      </p>
      {note !== undefined && <p className="kpi-note">{note}</p>}
    </section>
  )
}
