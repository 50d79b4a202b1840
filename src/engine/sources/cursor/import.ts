import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { CursorImport } from '../../../shared/contract'
import { cursorCsvParser, notCursorExport } from './csv'

/** The import folder's name inside Token Watch's data dir (the Cursor source watches it). */
export const CURSOR_IMPORT_FOLDER = 'cursor-usage'

/** A file name safe in any file system, ending in .csv. */
function safeName(name: string | undefined, now: number): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? ''
  const clean = base
    .replace(/\.csv$/i, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 80)
  return `${clean || `cursor-usage-${new Date(now).toISOString().replace(/[:.]/g, '-')}`}.csv`
}

/**
 * Puts a Cursor usage export (its text, as the user picked it) into the import folder, where the
 * Cursor source reads it: written to a temporary name, then renamed, so a half-written file is
 * never read. Refused with a clear message when it is not Cursor's usage export. A file of that
 * name with other content is kept: the new one gets the next free name (both count; the rows
 * they share count once).
 */
export function importCursorUsage(dataDir: string, csv: string, name?: string, now = Date.now()): CursorImport {
  const why = notCursorExport(csv)
  if (why !== undefined) throw new Error(`not imported: ${why}`)
  const outcome = cursorCsvParser.parseDocument(csv, cursorCsvParser.initialState({ path: '', root: '', userId: '' }), {
    path: '',
    root: '',
    userId: '',
  })
  if (outcome.events.length === 0 && outcome.state.cursorCsvDays.length === 0) throw new Error('not imported: the export has no usage rows')
  const dir = join(dataDir, CURSOR_IMPORT_FOLDER)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const wanted = safeName(name, now)
  let file = wanted
  for (let n = 2; existsSync(join(dir, file)) && readFileSync(join(dir, file), 'utf8') !== csv; n++)
    file = wanted.replace(/\.csv$/, `-${n}.csv`)
  const tmp = join(dir, `.${file}.${process.pid}.tmp`)
  writeFileSync(tmp, csv, { mode: 0o600 })
  renameSync(tmp, join(dir, file))
  return { file, requests: outcome.events.length, days: outcome.state.cursorCsvDays, skipped: outcome.skips.length }
}
