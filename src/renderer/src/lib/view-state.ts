/** What the dashboard shows: range, filters, metric and split. Also builds the matching queries. */
import type { ReportQuery, UsageFilter } from '../../../shared/contract'
import { chartGroupBy, effectiveSplit, type Metric, type Split } from './chart-data'
import type { RangeChoice, ResolvedRange, Span } from './range'

export type FilterDim = 'users' | 'agents' | 'projects' | 'models' | 'machines'

export const FILTER_DIMS: readonly { id: FilterDim; label: string; testid: string }[] = [
  { id: 'users', label: 'User', testid: 'filter-user' },
  { id: 'agents', label: 'Agent', testid: 'filter-agent' },
  { id: 'projects', label: 'Project', testid: 'filter-project' },
  { id: 'models', label: 'Model', testid: 'filter-model' },
  // Shown where the data has several machines (the team, my machines): see FilterBar.
  { id: 'machines', label: 'Machine', testid: 'filter-machine' },
]

export type Filters = Record<FilterDim, string[]>

export const NO_FILTERS: Filters = { users: [], agents: [], projects: [], models: [], machines: [] }

export interface ViewState {
  range: RangeChoice
  filters: Filters
  metric: Metric
  split: Split
}

/** A UsageFilter for `span` in `tz`; empty pickers mean "all" and are left out. */
export function usageFilter(span: { from?: number; to?: number }, tz: string, filters: Filters): UsageFilter {
  const f: UsageFilter = { tz }
  if (span.from !== undefined) f.from = span.from
  if (span.to !== undefined) f.to = span.to
  for (const d of ['users', 'agents', 'projects', 'models', 'machines'] as const) {
    if (filters[d].length > 0) f[d] = [...filters[d]]
  }
  return f
}

/** The one query the chart shows, and so the one that Export CSV writes. */
export function chartQuery(view: ViewState, range: ResolvedRange, tz: string): ReportQuery {
  return { ...usageFilter(range, tz, view.filters), groupBy: chartGroupBy(range.resolution, effectiveSplit(view.metric, view.split)) }
}

/** The filter of the period just before, for change figures. */
export function previousFilter(view: ViewState, previous: Span, tz: string): UsageFilter {
  return usageFilter(previous, tz, view.filters)
}
