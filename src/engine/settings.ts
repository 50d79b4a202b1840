import { readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Settings } from '../shared/contract'
import { emptyLogFolders } from '../shared/sources'
import { validateSettingsPatch } from './schema/settings'

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
  otlpEnabled: true,
  otlpPort: 4319,
}

export { validateSettingsPatch } from './schema/settings'

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
