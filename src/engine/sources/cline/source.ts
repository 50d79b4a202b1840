import { basename, dirname, join, resolve } from 'node:path'
import type { DatabaseReader, DocumentParser, FileReader, LogSource } from '../types'
import { splitList, type SourceSetup } from '../setup'
import { openCodeSchemaReader } from '../opencode/reader'
import { clineParser } from './parser'

const DOCUMENT: FileReader = { kind: 'document', parser: clineParser as DocumentParser<unknown> }
/** Kilo Code 7 (the rewrite on an OpenCode-derived core): `kilo.db` in OpenCode's schema. */
const KILO_DB: FileReader = {
  kind: 'database',
  reader: openCodeSchemaReader({ source: 'cline', agentId: 'kilo-code', keyPrefix: 'cline:kilo-db' }) as DatabaseReader<unknown>,
}

/** Kilo Code 7's data folders: KILO_DATA_DIR (comma-separated, as ccusage reads it), else `$XDG_DATA_HOME/kilo` (default ~/.local/share/kilo). */
export function kiloDataDirs(s: Pick<SourceSetup, 'env' | 'home'>): string[] {
  const dirs = splitList(s.env.KILO_DATA_DIR).map((d) => resolve(d))
  return dirs.length > 0 ? dirs : [join(resolve(s.env.XDG_DATA_HOME || join(s.home, '.local', 'share')), 'kilo')]
}

const isKiloDbName = (name: string): boolean => /^kilo(-[A-Za-z0-9._-]+)?\.db$/.test(name)

/** The extensions' ids, as their globalStorage folders are named. */
export const CLINE_EXTENSIONS = ['saoudrizwan.claude-dev', 'rooveterinaryinc.roo-cline', 'kilocode.kilo-code'] as const

/** VS Code and the forks these extensions run in. */
const EDITORS = ['Code', 'Code - Insiders', 'VSCodium', 'Cursor', 'Windsurf', 'Trae'] as const

/** Every editor's `User/globalStorage` folder on this OS (and a portable VS Code's). */
export function globalStorageDirs(s: Pick<SourceSetup, 'env' | 'home'>, platform: NodeJS.Platform = process.platform): string[] {
  const base =
    platform === 'darwin'
      ? join(s.home, 'Library', 'Application Support')
      : platform === 'win32'
        ? s.env.APPDATA || join(s.home, 'AppData', 'Roaming')
        : resolve(s.env.XDG_CONFIG_HOME || join(s.home, '.config'))
  const dirs = EDITORS.map((e) => join(base, e, 'User', 'globalStorage'))
  if (s.env.VSCODE_PORTABLE) dirs.unshift(join(resolve(s.env.VSCODE_PORTABLE), 'user-data', 'User', 'globalStorage'))
  return dirs
}

/** Cline's own data folder (JetBrains, standalone, CLI): CLINE_DATA_DIR, else CLINE_DIR/data, else ~/.cline/data. */
function clineDataDir(s: Pick<SourceSetup, 'env' | 'home'>): string {
  if (s.env.CLINE_DATA_DIR) return resolve(s.env.CLINE_DATA_DIR)
  return join(s.env.CLINE_DIR ? resolve(s.env.CLINE_DIR) : join(s.home, '.cline'), 'data')
}

/** The folders searched: each storage folder's `tasks/`, Cline's SDK `sessions/`, Roo's CLI storage. */
export function clineRoots(s: SourceSetup, platform: NodeJS.Platform = process.platform): string[] {
  const data = clineDataDir(s)
  const roots = [
    ...globalStorageDirs(s, platform).flatMap((g) => CLINE_EXTENSIONS.map((ext) => join(g, ext, 'tasks'))),
    join(data, 'tasks'),
    s.env.CLINE_SESSION_DATA_DIR ? resolve(s.env.CLINE_SESSION_DATA_DIR) : join(data, 'sessions'),
    join(s.home, '.vscode-mock', 'global-storage', 'tasks'),
    ...s.folders.flatMap((f) => [join(resolve(f), 'tasks'), join(resolve(f), 'sessions')]),
  ]
  return [...new Set(roots)]
}

const CLASSIC = /[\\/]tasks[\\/][^\\/]+[\\/]ui_messages\.json$/
const SESSION = /[\\/][^\\/]+[\\/][^\\/]+\.messages\.json$/

/**
 * Cline, Roo Code and Kilo Code (one source, the agent names the extension): the classic task
 * folders in every editor's globalStorage and Cline's data folder, Cline's SDK sessions, and Kilo
 * Code 7's `kilo.db`.
 */
export function clineSource(s: SourceSetup): LogSource {
  const kilo = kiloDataDirs(s)
  const roots = [...new Set([...clineRoots(s), ...kilo])]
  const isKiloDb = (p: string): boolean => isKiloDbName(basename(p)) && kilo.includes(dirname(p))
  return {
    id: 'cline',
    readerOf: (p) => (isKiloDb(p) ? KILO_DB : DOCUMENT),
    roots: () => roots,
    // Kilo's data folder also holds its snapshots and logs: only its top is read.
    flat: (root) => kilo.includes(root),
    isLogFile: (p) => isKiloDb(p) || CLASSIC.test(p) || SESSION.test(p),
    logFileOf: (p) => (p.endsWith('-wal') && isKiloDb(p.slice(0, -4)) ? p.slice(0, -4) : null),
    hint: "Cline, Roo Code and Kilo Code keep tasks in the editor's User/globalStorage/<extension>/tasks and in ~/.cline/data (set CLINE_DIR, CLINE_DATA_DIR or VSCODE_PORTABLE to point elsewhere).",
  }
}
