import { basename, dirname, join, resolve } from 'node:path'
import { dataDir } from '../../paths'
import type { DatabaseReader, DocumentParser, FileReader, LogSource } from '../types'
import type { SourceSetup } from '../setup'
import { CSV_DAYS, cursorCsvParser, savedCsvDays } from './csv'
import { CURSOR_IMPORT_FOLDER } from './import'
import { cursorDbReader } from './reader'

const DATABASE: FileReader = { kind: 'database', reader: cursorDbReader as DatabaseReader<unknown> }
const CSV: FileReader = { kind: 'document', parser: cursorCsvParser as DocumentParser<unknown> }

/** The folder Token Watch watches for Cursor usage exports (and where the app's import puts them). */
export function cursorImportDir(env: NodeJS.ProcessEnv): string {
  return join(dataDir(env), CURSOR_IMPORT_FOLDER)
}

/** Cursor's user-data folder per OS (VS Code's layout): it holds User/globalStorage/state.vscdb. */
function cursorUserData(s: SourceSetup, platform: NodeJS.Platform): string {
  if (s.env.CURSOR_DATA_DIR) return resolve(s.env.CURSOR_DATA_DIR)
  switch (platform) {
    case 'darwin':
      return join(s.home, 'Library', 'Application Support', 'Cursor')
    case 'win32':
      return join(s.env.APPDATA || join(s.home, 'AppData', 'Roaming'), 'Cursor')
    default:
      return join(s.env.XDG_CONFIG_HOME || join(s.home, '.config'), 'Cursor')
  }
}

/**
 * Cursor: `state.vscdb` in `<user data>/User/globalStorage/` (per OS; CURSOR_DATA_DIR names the
 * user-data folder of a portable or `--user-data-dir` install), usage-export CSVs dropped in
 * `<Token Watch data dir>/cursor-usage/` (the app's "Import usage CSV" writes there), and folders
 * added in Settings (each a globalStorage folder or a folder of CSVs). Only each folder's top is
 * read: globalStorage also holds other extensions' files.
 */
export function cursorSource(s: SourceSetup, platform: NodeJS.Platform = process.platform): LogSource {
  const globalStorage = join(cursorUserData(s, platform), 'User', 'globalStorage')
  const imports = cursorImportDir({ ...s.env, HOME: s.env.HOME ?? s.home })
  const extra = s.folders.map((f) => resolve(f))
  const roots = [...new Set([globalStorage, imports, ...extra])]
  const isLogFile = (p: string): boolean => {
    const dir = dirname(p)
    if (basename(p) === 'state.vscdb') return dir === globalStorage || extra.includes(dir)
    return p.toLowerCase().endsWith('.csv') && (dir === imports || extra.includes(dir))
  }
  return {
    id: 'cursor',
    readerOf: (p) => (p.toLowerCase().endsWith('.csv') ? CSV : DATABASE),
    flat: true,
    roots: () => roots,
    isLogFile,
    logFileOf: (p) => (p.endsWith('-wal') && isLogFile(p.slice(0, -4)) ? p.slice(0, -4) : null),
    // The days imported CSVs cover, shared by the CSV and database reads of one scan.
    contextFor: (_newFiles, savedStates) => ({ shared: new Map([[CSV_DAYS, savedCsvDays(savedStates)]]) }),
    hint: `Cursor keeps its database in ${globalStorage}/state.vscdb (set CURSOR_DATA_DIR to its user-data folder); its usage-export CSVs are read from ${imports}.`,
  }
}
