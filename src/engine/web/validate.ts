/**
 * Hand-written validators for every contract method's argument, applied where HTTP bodies enter.
 * Each names the offending field (`arg.groupBy[1]: ...`), so a bad request says what to fix.
 */
import { validateSettingsPatch } from '../settings'
import { GROUP_DIMS, LOG_FOLDER_KINDS, type ApiMethod, type ApiMethods, type DayQuery, type GroupDim, type PriceOverride, type ReportQuery, type Settings, type UsageFilter } from '../../shared/contract'
import { LOG_SOURCE_IDS, SOURCE_IDS, type LogSourceId } from '../../shared/sources'
import { assertNever } from '../../shared/assert-never'
import { validateBudgets, validWeekStart } from '../budgets/validate'



/** Thrown by a validator; caught at the edge and answered as a 400 naming `path`. */
export class Invalid extends Error {
  constructor(readonly path: string, problem: string) {
    super(`${path}: ${problem}`)
  }
}

type Obj = Record<string, unknown>

function object(v: unknown, path: string, allowed: readonly string[]): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Invalid(path, 'must be an object')
  for (const k of Object.keys(v)) if (!allowed.includes(k)) throw new Invalid(`${path}.${k}`, 'unknown field')
  return v as Obj
}

function string(v: unknown, path: string, { nonEmpty = false } = {}): string {
  if (typeof v !== 'string') throw new Invalid(path, 'must be a string')
  if (nonEmpty && v === '') throw new Invalid(path, 'must not be empty')
  return v
}

function finite(v: unknown, path: string, { min }: { min?: number } = {}): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Invalid(path, 'must be a finite number')
  if (min !== undefined && v < min) throw new Invalid(path, `must be at least ${min}`)
  return v
}

function boolean(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') throw new Invalid(path, 'must be true or false')
  return v
}

function strings(v: unknown, path: string): string[] {
  if (!Array.isArray(v)) throw new Invalid(path, 'must be an array of strings')
  return v.map((s, i) => string(s, `${path}[${i}]`))
}

function oneOf<T extends string>(v: unknown, path: string, allowed: readonly T[], what: string): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new Invalid(path, `unknown ${what} ${JSON.stringify(v)}`)
  }
  return v as T
}

/** True when `tz` is an IANA zone this runtime knows. */
export function isTimeZone(tz: string): boolean {
  if (tz === '') return false
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz })
    return true
  } catch {
    return false
  }
}

function timeZone(v: unknown, path: string): string {
  const tz = string(v, path, { nonEmpty: true })
  if (!isTimeZone(tz)) throw new Invalid(path, `unknown time zone ${JSON.stringify(tz)}`)
  return tz
}

function noArg(v: unknown, path: string): void {
  if (v !== undefined && v !== null) throw new Invalid(path, 'this method takes no argument')
}

const FILTER_KEYS = ['from', 'to', 'tz', 'users', 'agents', 'projects', 'models', 'sources', 'sessions', 'machines'] as const

function filterFields(o: Obj, path: string): UsageFilter {
  const f: UsageFilter = { tz: timeZone(o.tz, `${path}.tz`) }
  if (o.from !== undefined) f.from = finite(o.from, `${path}.from`)
  if (o.to !== undefined) f.to = finite(o.to, `${path}.to`)
  if (f.from !== undefined && f.to !== undefined && f.to < f.from) throw new Invalid(`${path}.to`, 'must not be before from')
  if (o.users !== undefined) f.users = strings(o.users, `${path}.users`)
  if (o.agents !== undefined) f.agents = strings(o.agents, `${path}.agents`)
  if (o.projects !== undefined) f.projects = strings(o.projects, `${path}.projects`)
  if (o.models !== undefined) f.models = strings(o.models, `${path}.models`)
  if (o.sessions !== undefined) f.sessions = strings(o.sessions, `${path}.sessions`)
  if (o.machines !== undefined) f.machines = strings(o.machines, `${path}.machines`)
  if (o.sources !== undefined) {
    if (!Array.isArray(o.sources)) throw new Invalid(`${path}.sources`, 'must be an array of source ids')
    f.sources = o.sources.map((s, i) => oneOf(s, `${path}.sources[${i}]`, SOURCE_IDS, 'source'))
  }
  return f
}

/** Validates a UsageFilter. */
export function usageFilter(v: unknown, path = 'arg'): UsageFilter {
  return filterFields(object(v, path, FILTER_KEYS), path)
}

/** Validates a ReportQuery: a filter plus known, distinct group dimensions. */
export function reportQuery(v: unknown, path = 'arg'): ReportQuery {
  const o = object(v, path, [...FILTER_KEYS, 'groupBy'])
  if (!Array.isArray(o.groupBy)) throw new Invalid(`${path}.groupBy`, 'must be an array of group dimensions')
  const groupBy = o.groupBy.map((d, i) => oneOf<GroupDim>(d, `${path}.groupBy[${i}]`, GROUP_DIMS, 'group dimension'))
  groupBy.forEach((d, i) => {
    if (groupBy.indexOf(d) !== i) throw new Invalid(`${path}.groupBy[${i}]`, `duplicate group dimension "${d}"`)
  })
  return { ...filterFields(o, path), groupBy }
}

function priceOverride(v: unknown, path: string): PriceOverride {
  const o = object(v, path, ['model', 'input', 'output', 'cacheRead', 'cacheWrite', 'cacheWrite1h'])
  const p: PriceOverride = {
    model: string(o.model, `${path}.model`, { nonEmpty: true }),
    input: finite(o.input, `${path}.input`, { min: 0 }),
    output: finite(o.output, `${path}.output`, { min: 0 }),
  }
  if (o.cacheRead !== undefined) p.cacheRead = finite(o.cacheRead, `${path}.cacheRead`, { min: 0 })
  if (o.cacheWrite !== undefined) p.cacheWrite = finite(o.cacheWrite, `${path}.cacheWrite`, { min: 0 })
  if (o.cacheWrite1h !== undefined) p.cacheWrite1h = finite(o.cacheWrite1h, `${path}.cacheWrite1h`, { min: 0 })
  return p
}

const SETTINGS_KEYS = ['timeZone', 'dailyBudgetUsd', 'launchAtLogin', 'logFolders', 'disabledSources', 'claudeConfigDirs', 'codexHomes', 'priceOverrides', 'paused', 'budgets', 'weekStart', 'teamUrl', 'teamProjects', 'machinesFolder'] as const satisfies readonly (keyof Settings | 'claudeConfigDirs' | 'codexHomes')[]

/** `{ tz, at? }`: a zone and, optionally, the instant standing for now (epoch ms, 1970..9999). */
const MAX_INSTANT = Date.UTC(10000, 0, 1)

function dayQuery(raw: unknown): DayQuery {
  const o = object(raw, 'arg', ['tz', 'at'])
  const tz = timeZone(o.tz, 'arg.tz')
  if (o.at === undefined) return { tz }
  const at = finite(o.at, 'arg.at', { min: 0 })
  if (at > MAX_INSTANT) throw new Invalid('arg.at', 'must be an instant before the year 10000 (epoch ms)')
  return { tz, at }
}

/** Validates a settings patch: only known fields, each well-formed; '' means the system zone. */
export function settingsPatch(v: unknown, path = 'arg'): Partial<Settings> {
  const o = object(v, path, SETTINGS_KEYS)
  const s: Partial<Settings> = {}
  if (o.timeZone !== undefined) s.timeZone = o.timeZone === '' ? '' : timeZone(o.timeZone, `${path}.timeZone`)
  if (o.dailyBudgetUsd !== undefined) {
    s.dailyBudgetUsd = o.dailyBudgetUsd === null ? null : finite(o.dailyBudgetUsd, `${path}.dailyBudgetUsd`, { min: 0 })
  }
  if (o.budgets !== undefined) {
    const checked = validateBudgets(o.budgets, `${path}.budgets`)
    if (!checked.ok) {
      const cut = checked.error.indexOf(': ')
      throw new Invalid(checked.error.slice(0, cut), checked.error.slice(cut + 2))
    }
    s.budgets = checked.value
  }
  if (o.weekStart !== undefined) {
    if (!validWeekStart(o.weekStart)) throw new Invalid(`${path}.weekStart`, 'must be 1 (Monday) to 7 (Sunday), or null')
    s.weekStart = o.weekStart
  }
  if (o.launchAtLogin !== undefined) s.launchAtLogin = boolean(o.launchAtLogin, `${path}.launchAtLogin`)
  if (o.paused !== undefined) s.paused = boolean(o.paused, `${path}.paused`)
  // claudeConfigDirs / codexHomes: the names before logFolders, still taken.
  const folders: Partial<Record<LogSourceId, string[]>> = {}
  if (o.claudeConfigDirs !== undefined) folders['claude-code'] = strings(o.claudeConfigDirs, `${path}.claudeConfigDirs`)
  if (o.codexHomes !== undefined) folders.codex = strings(o.codexHomes, `${path}.codexHomes`)
  if (o.logFolders !== undefined) {
    const lf = object(o.logFolders, `${path}.logFolders`, LOG_SOURCE_IDS)
    for (const id of LOG_SOURCE_IDS) if (lf[id] !== undefined) folders[id] = strings(lf[id], `${path}.logFolders.${id}`)
  }
  if (Object.keys(folders).length > 0) s.logFolders = folders as Settings['logFolders']
  if (o.disabledSources !== undefined) {
    if (!Array.isArray(o.disabledSources)) throw new Invalid(`${path}.disabledSources`, 'must be an array')
    s.disabledSources = o.disabledSources.map((x, i) => oneOf(x, `${path}.disabledSources[${i}]`, LOG_SOURCE_IDS, 'source'))
  }
  if (o.priceOverrides !== undefined) {
    if (!Array.isArray(o.priceOverrides)) throw new Invalid(`${path}.priceOverrides`, 'must be an array')
    s.priceOverrides = o.priceOverrides.map((p, i) => priceOverride(p, `${path}.priceOverrides[${i}]`))
  }
  // The team fields: the settings file's own checks (a postgres:// URL, a mode, an absolute folder).
  for (const k of ['teamUrl', 'teamProjects', 'machinesFolder'] as const) {
    if (o[k] === undefined) continue
    const checked = validateSettingsPatch({ [k]: o[k] })
    if (!checked.ok) throw new Invalid(`${path}.${k}`, checked.error.slice(k.length + 2))
    Object.assign(s, checked.value)
  }
  return s
}

/** A validated call: the method and its checked argument, paired so they cannot be mixed up. */
export type ValidCall = { [M in ApiMethod]: { method: M; arg: ApiMethods[M]['arg'] } }[ApiMethod]

/** Checks `raw` against `method`'s argument type; throws `Invalid` naming the field. */
export function validateCall(method: ApiMethod, raw: unknown): ValidCall {
  switch (method) {
    case 'dataSources':
    case 'dimensions':
    case 'sourceStatus':
    case 'backfillProgress':
    case 'getSettings':
    case 'planLimits':
    case 'userTotals':
      noArg(raw, 'arg')
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
    case 'sessionEvents': {
      const o = object(raw, 'arg', ['sessionId'])
      return { method, arg: { sessionId: string(o.sessionId, 'arg.sessionId', { nonEmpty: true }) } }
    }
    case 'todaySpend':
    case 'budgets':
    case 'outlook':
      return { method, arg: dayQuery(raw) }
    case 'blocks': {
      const o = object(raw ?? {}, 'arg', ['active'])
      return { method, arg: o.active === undefined ? {} : { active: boolean(o.active, 'arg.active') } }
    }
    case 'setSettings':
      return { method, arg: settingsPatch(raw) }
    case 'reconcile': {
      const o = object(raw, 'arg', ['csv'])
      return { method, arg: { csv: string(o.csv, 'arg.csv', { nonEmpty: true }) } }
    }
    case 'addLogFolder':
    case 'removeLogFolder': {
      const o = object(raw, 'arg', method === 'addLogFolder' ? ['kind'] : ['kind', 'index'])
      const kind = oneOf(o.kind, 'arg.kind', LOG_FOLDER_KINDS, 'log folder kind')
      if (method === 'addLogFolder') return { method, arg: { kind } }
      const index = finite(o.index, 'arg.index', { min: 0 })
      if (!Number.isInteger(index)) throw new Invalid('arg.index', 'must be a whole number')
      return { method, arg: { kind, index } }
    }
    default:
      return assertNever(method)
  }
}
