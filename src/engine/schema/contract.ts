/**
 * The schema of every contract method's argument, applied where calls enter (HTTP bodies, IPC
 * messages). Each problem names the field (`arg.groupBy[1]: …`), so a bad request says what to fix.
 */
import { z } from 'zod'
import {
  GROUP_DIMS,
  LOG_FOLDER_KINDS,
  type ApiMethod,
  type ApiMethods,
  type DayQuery,
  type ReportQuery,
  type UsageFilter,
} from '../../shared/contract'
import { assertNever } from '../../shared/assert-never'
import { SOURCE_IDS } from '../../shared/sources'
import { check, Invalid } from './check'
import { atLeast, finite, flag, nonEmptyText, oneOf, record, text, textList, timeZone } from './fields'
import { settingsPatch } from './settings'

export { Invalid } from './check'

const filterShape = {
  tz: timeZone(),
  from: finite().optional(),
  to: finite().optional(),
  users: textList().optional(),
  agents: textList().optional(),
  projects: textList().optional(),
  models: textList().optional(),
  sessions: textList().optional(),
  machines: textList().optional(),
  sources: z.array(oneOf(SOURCE_IDS, 'source'), { error: 'must be an array of source ids' }).optional(),
}

/** `to` before `from` is a mistake, not an empty range. */
const ordered = <T extends { from?: number | undefined; to?: number | undefined }>(f: T, ctx: z.RefinementCtx): void => {
  if (f.from !== undefined && f.to !== undefined && f.to < f.from)
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' })
}

/** Drops the optional fields left out (zod keeps none, but the types say `?: T | undefined`). */
const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T

const usageFilterSchema = record(filterShape)
  .superRefine(ordered)
  .transform((f) => defined(f) as UsageFilter)

const reportQuerySchema = record({
  ...filterShape,
  groupBy: z.array(oneOf(GROUP_DIMS, 'group dimension'), { error: 'must be an array of group dimensions' }).superRefine((dims, ctx) => {
    dims.forEach((d, i) => {
      if (dims.indexOf(d) !== i) ctx.addIssue({ code: 'custom', path: [i], message: `duplicate group dimension "${d}"` })
    })
  }),
})
  .superRefine(ordered)
  .transform((q) => defined(q) as ReportQuery)

/** The latest instant a "now" may name (the year 10000). */
const MAX_INSTANT = Date.UTC(10000, 0, 1)

const dayQuery = record({
  tz: timeZone(),
  at: atLeast(0).max(MAX_INSTANT, { error: 'must be an instant before the year 10000 (epoch ms)' }).optional(),
}).transform((q) => defined(q) as DayQuery)

const wholeIndex = atLeast(0).int({ error: 'must be a whole number' })

/** Validates a UsageFilter. */
export function usageFilter(v: unknown, path = 'arg'): UsageFilter {
  return check(usageFilterSchema, v, path)
}

/** Validates a ReportQuery: a filter plus known, distinct group dimensions. */
export function reportQuery(v: unknown, path = 'arg'): ReportQuery {
  return check(reportQuerySchema, v, path)
}

/** A validated call: the method and its checked argument, paired so they cannot be mixed up. */
export type ValidCall = { [M in ApiMethod]: { method: M; arg: ApiMethods[M]['arg'] } }[ApiMethod]

function noArg(v: unknown): void {
  if (v !== undefined && v !== null) throw new Invalid('arg', 'this method takes no argument')
}

/** Checks `raw` against `method`'s argument type; throws `Invalid` naming the field. */
export function validateCall(method: ApiMethod, raw: unknown): ValidCall {
  switch (method) {
    case 'dataSources':
    case 'pickMachinesFolder':
    case 'dimensions':
    case 'sourceStatus':
    case 'backfillProgress':
    case 'getSettings':
    case 'planLimits':
    case 'userTotals':
      noArg(raw)
      return { method, arg: undefined }
    case 'report':
    case 'activity':
    case 'forecast':
    case 'reportCsv':
    case 'exportCsv':
      return { method, arg: reportQuery(raw) }
    case 'sessions':
    case 'sessionCount':
      return { method, arg: usageFilter(raw) }
    case 'sessionEvents':
      return { method, arg: check(record({ sessionId: nonEmptyText() }), raw, 'arg') }
    case 'todaySpend':
    case 'budgets':
    case 'outlook':
      return { method, arg: check(dayQuery, raw, 'arg') }
    case 'blocks':
      return { method, arg: defined(check(record({ active: flag().optional() }), raw ?? {}, 'arg')) }
    case 'setSettings':
      return { method, arg: check(settingsPatch, raw, 'arg') }
    case 'reconcile':
      return { method, arg: check(record({ csv: nonEmptyText() }), raw, 'arg') }
    case 'importCursorUsage':
      return { method, arg: defined(check(record({ csv: nonEmptyText(), name: nonEmptyText().optional() }), raw, 'arg')) }
    case 'setMachineName':
      return { method, arg: check(record({ name: text().max(200, { error: 'at most 200 characters' }) }), raw, 'arg') }
    case 'addLogFolder':
      return { method, arg: check(record({ kind: oneOf(LOG_FOLDER_KINDS, 'log folder kind') }), raw, 'arg') }
    case 'removeLogFolder':
      return { method, arg: check(record({ kind: oneOf(LOG_FOLDER_KINDS, 'log folder kind'), index: wholeIndex }), raw, 'arg') }
    default:
      return assertNever(method)
  }
}
