import { readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs'
import { dirname, isAbsolute } from 'node:path'
import { TEAM_PROJECTS, type PriceOverride, type Settings } from '../shared/contract'
import { isValidTimeZone } from '../shared/time-zone'
import { emptyLogFolders, isLogSourceId, LOG_SOURCE_IDS } from '../shared/sources'
import { checkTeamUrl } from './sync/team-url'
import { MAX_BUDGET_USD, validateBudgets, validWeekStart } from './budgets/validate'

/** Settings for a first run. */
export const DEFAULT_SETTINGS: Settings = {
  timeZone: '',
  dailyBudgetUsd: null,
  launchAtLogin: false,
  logFolders: emptyLogFolders(),
  disabledSources: [],
  priceOverrides: [],
  paused: false,
  teamProjects: 'basename',
  teamUrl: '',
  machinesFolder: '',
  budgets: [],
  weekStart: null,
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string')
const isRate = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0

function validOverride(v: unknown): v is PriceOverride {
  if (typeof v !== 'object' || v === null) return false
  const o = v as Record<string, unknown>
  return typeof o.model === 'string' && o.model.length > 0 && isRate(o.input) && isRate(o.output) &&
    ['cacheRead', 'cacheWrite', 'cacheWrite1h'].every((k) => o[k] === undefined || isRate(o[k]))
}

/**
 * Checks a settings patch field by field; returns the error naming the first bad field, or the
 * validated patch. Unknown fields are errors: settings come from files and from UIs.
 */
export function validateSettingsPatch(patch: unknown): { ok: true; value: Partial<Settings> } | { ok: false; error: string } {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return { ok: false, error: 'settings: must be an object' }
  const p: Record<string, unknown> = { ...(patch as Record<string, unknown>) }
  // Settings files written before logFolders name two lists of their own: read them into it.
  for (const [legacy, id] of [['claudeConfigDirs', 'claude-code'], ['codexHomes', 'codex']] as const) {
    if (!(legacy in p)) continue
    const v = p[legacy]
    if (!isStringArray(v)) return { ok: false, error: `${legacy}: must be a list of folders` }
    const lf = typeof p.logFolders === 'object' && p.logFolders !== null ? (p.logFolders as Record<string, unknown>) : {}
    p.logFolders = { [id]: v, ...lf }
    delete p[legacy]
  }
  for (const [k, v] of Object.entries(p)) {
    const bad = (why: string) => ({ ok: false as const, error: `${k}: ${why}` })
    switch (k) {
      case 'timeZone':
        if (typeof v !== 'string' || (v !== '' && !isValidTimeZone(v))) return bad('must be an IANA time zone or ""')
        break
      case 'dailyBudgetUsd':
        if (v !== null && !(typeof v === 'number' && Number.isFinite(v) && v >= 0)) return bad('must be a non-negative number or null')
        if (typeof v === 'number' && v > MAX_BUDGET_USD) return bad(`$${v} is more than $${MAX_BUDGET_USD.toLocaleString('en-US')}; check the amount`)
        break
      case 'launchAtLogin':
      case 'paused':
        if (typeof v !== 'boolean') return bad('must be true or false')
        break
      case 'logFolders': {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad('must map source ids to lists of folders')
        for (const [id, list] of Object.entries(v as Record<string, unknown>)) {
          if (!isLogSourceId(id)) return bad(`unknown source ${JSON.stringify(id)} (use ${LOG_SOURCE_IDS.join(', ')})`)
          if (!isStringArray(list)) return bad(`${id}: must be a list of folders`)
        }
        break
      }
      case 'disabledSources':
        if (!Array.isArray(v) || !v.every(isLogSourceId)) return bad(`must be a list of source ids (${LOG_SOURCE_IDS.join(', ')})`)
        break
      case 'teamProjects':
        if (typeof v !== 'string' || !(TEAM_PROJECTS as readonly string[]).includes(v)) return bad(`must be one of ${TEAM_PROJECTS.join(', ')}`)
        break
      case 'teamUrl':
        if (typeof v !== 'string' || (v !== '' && checkTeamUrl(v) !== null)) return bad(`must be a postgres:// URL or "" (${typeof v === 'string' ? checkTeamUrl(v) : 'not text'})`)
        break
      case 'machinesFolder':
        if (typeof v !== 'string' || (v !== '' && !isAbsolute(v))) return bad('must be an absolute folder path or ""')
        break
      case 'priceOverrides':
        if (!Array.isArray(v) || !v.every(validOverride)) return bad('each needs a model and non-negative USD-per-million rates')
        break
      case 'budgets': {
        const checked = validateBudgets(v)
        if (!checked.ok) return { ok: false, error: checked.error }
        p[k] = checked.value
        break
      }
      case 'weekStart':
        if (!validWeekStart(v)) return bad('must be 1 (Monday) to 7 (Sunday), or null for the locale\'s')
        break
      default:
        return bad('unknown setting')
    }
  }
  return { ok: true, value: p as Partial<Settings> }
}

/** Reads settings from `path`; a missing file gives the defaults, a broken one an error. */
export function loadSettings(path: string): Settings {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ...DEFAULT_SETTINGS }
    throw err
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new Error(`settings file ${path} is not valid JSON`)
  }
  const checked = validateSettingsPatch(parsed)
  if (!checked.ok) throw new Error(`settings file ${path}: ${checked.error}`)
  return { ...DEFAULT_SETTINGS, ...checked.value, logFolders: { ...emptyLogFolders(), ...checked.value.logFolders } }
}

/** Writes settings atomically (temp file + rename), readable by the user only. */
export function saveSettings(path: string, settings: Settings): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify(settings, null, 2) + '\n', { mode: 0o600 })
  renameSync(tmp, path)
}
