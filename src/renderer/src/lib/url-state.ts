/**
 * The dashboard's view in the page address (docs/DASHBOARD.md, "Links"): tab, range, metric,
 * split and filters, so a view can be bookmarked or shared. Only what differs from the default
 * view is written, so the plain dashboard keeps its bare address.
 */
import { METRICS, SPLITS, type Metric, type Split } from './chart-data'
import { PRESETS, type Preset, type RangeChoice } from './range'
import { FILTER_DIMS, NO_FILTERS, type Filters, type ViewState } from './view-state'

/** The tabs a link may open (the Header's). */
export const URL_TABS = ['dashboard', 'sessions', 'spend', 'sources', 'settings'] as const
export type UrlTab = (typeof URL_TABS)[number]

/** Parameter name per filter dimension: `user=alice&user=bob`. */
const FILTER_PARAM: Record<keyof Filters, string> = {
  users: 'user',
  agents: 'agent',
  projects: 'project',
  models: 'model',
  machines: 'machine',
}
const DAY = /^\d{4}-\d{2}-\d{2}$/

const isPreset = (v: string | null): v is Preset => PRESETS.some((p) => p.id === v)
const isMetric = (v: string | null): v is Metric => METRICS.some((m) => m.id === v)
const isSplit = (v: string | null): v is Split => SPLITS.some((s) => s.id === v)
const isTab = (v: string | null): v is UrlTab => (URL_TABS as readonly (string | null)[]).includes(v)

/** The view and tab a query string asks for, over `base` (unknown or malformed values are ignored). */
export function readUrlState(search: string, base: ViewState): { view: ViewState; tab: UrlTab } {
  const p = new URLSearchParams(search)
  const preset = p.get('range')
  const from = p.get('from')
  const to = p.get('to')
  const range: RangeChoice = {
    preset: isPreset(preset) ? preset : base.range.preset,
    customFrom: from !== null && DAY.test(from) ? from : base.range.customFrom,
    customTo: to !== null && DAY.test(to) ? to : base.range.customTo,
  }
  const filters = { ...NO_FILTERS }
  for (const d of FILTER_DIMS) filters[d.id] = p.getAll(FILTER_PARAM[d.id]).filter((v) => v !== '')
  const metric = p.get('metric')
  const split = p.get('split')
  const tab = p.get('tab')
  return {
    view: { range, filters, metric: isMetric(metric) ? metric : base.metric, split: isSplit(split) ? split : base.split },
    tab: isTab(tab) ? tab : 'dashboard',
  }
}

/**
 * The query string for a view and tab (with a leading `?`, or '' for the default view), keeping
 * parameters that are not the view's (e.g. another feature's) as they were in `keep`.
 */
export function writeUrlState(view: ViewState, tab: UrlTab, base: ViewState, keep = ''): string {
  const p = new URLSearchParams(keep)
  for (const k of ['tab', 'range', 'from', 'to', 'metric', 'split', ...Object.values(FILTER_PARAM)]) p.delete(k)
  if (tab !== 'dashboard') p.set('tab', tab)
  if (view.range.preset !== base.range.preset) p.set('range', view.range.preset)
  if (view.range.preset === 'custom') {
    p.set('from', view.range.customFrom)
    p.set('to', view.range.customTo)
  }
  if (view.metric !== base.metric) p.set('metric', view.metric)
  if (view.split !== base.split) p.set('split', view.split)
  for (const d of FILTER_DIMS) for (const v of view.filters[d.id]) p.append(FILTER_PARAM[d.id], v)
  const s = p.toString()
  return s === '' ? '' : `?${s}`
}
