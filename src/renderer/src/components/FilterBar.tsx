import { type JSX } from 'react'
import type { Dimensions } from '../../../shared/contract'
import { FILTER_DIMS, NO_FILTERS, type Filters } from '../lib/view-state'
import { MultiSelect } from './MultiSelect'

/** One picker per dimension, filled from `dimensions()` (the machine where the data has several). */
export function FilterBar({
  dims,
  filters,
  onChange,
  unpricedModels,
}: {
  dims: Dimensions | undefined
  filters: Filters
  onChange: (f: Filters) => void
  unpricedModels: readonly string[]
}): JSX.Element {
  const any = FILTER_DIMS.some((d) => filters[d.id].length > 0)
  // One machine (this machine's own store) needs no machine picker; the team and my machines do.
  const machines = (dims?.machines?.length ?? 0) > 1 || dims?.team !== undefined || filters.machines.length > 0
  const shown = FILTER_DIMS.filter((d) => d.id !== 'machines' || machines)
  return (
    <div className="filter-bar" role="group" aria-label="Filters">
      {shown.map((d) => (
        <MultiSelect
          key={d.id}
          label={d.label}
          testid={d.testid}
          options={dims?.[d.id] ?? []}
          selected={filters[d.id]}
          onChange={(next) => onChange({ ...filters, [d.id]: next })}
          flagged={d.id === 'models' ? unpricedModels : []}
        />
      ))}
      {any && (
        <button type="button" className="link" data-testid="filters-clear" onClick={() => onChange(NO_FILTERS)}>
          Clear filters
        </button>
      )}
    </div>
  )
}
