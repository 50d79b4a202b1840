import { basename, dirname, join, resolve } from 'node:path'
import type { DatabaseReader, FileReader, LogSource } from '../types'
import type { SourceSetup } from '../setup'
import { gooseReader } from './reader'

const READER: FileReader = { kind: 'database', reader: gooseReader as DatabaseReader<unknown> }

/**
 * Where Goose keeps `sessions.db` (its `Paths::data_dir()/sessions`, etcetera's app strategy for
 * Block/goose): `$XDG_DATA_HOME/goose` (default ~/.local/share/goose) on Linux and macOS, the
 * Application Support folders ccusage also looks in on macOS, `%APPDATA%\Block\goose\data` on
 * Windows (and `%APPDATA%\Block\goose`, as CodeBurn reads it).
 */
export function gooseDataDirs(s: Pick<SourceSetup, 'env' | 'home'>, platform: NodeJS.Platform = process.platform): string[] {
  if (s.env.GOOSE_PATH_ROOT) return [join(resolve(s.env.GOOSE_PATH_ROOT), 'data')]
  const xdg = resolve(s.env.XDG_DATA_HOME || join(s.home, '.local', 'share'))
  if (platform === 'win32') {
    const appData = s.env.APPDATA || join(s.home, 'AppData', 'Roaming')
    return [join(appData, 'Block', 'goose', 'data'), join(appData, 'Block', 'goose')]
  }
  if (platform === 'darwin') {
    const support = join(s.home, 'Library', 'Application Support')
    return [join(xdg, 'goose'), join(support, 'goose'), join(support, 'Block', 'goose')]
  }
  return [join(xdg, 'goose'), join(xdg, 'Block', 'goose')]
}

/**
 * Goose (Block): `<data>/sessions/sessions.db` for GOOSE_PATH_ROOT (`<root>/data`, as Goose and
 * ccusage read it), else the per-OS data folders; added folders are sessions folders holding
 * sessions.db. Only the top of each folder is read.
 */
export function gooseSource(s: SourceSetup): LogSource {
  const dirs = [...new Set([...gooseDataDirs(s).map((d) => join(d, 'sessions')), ...s.folders.map((f) => resolve(f))])]
  const isLogFile = (p: string): boolean => basename(p) === 'sessions.db' && dirs.includes(dirname(p))
  return {
    id: 'goose',
    readerOf: () => READER,
    flat: true,
    roots: () => dirs,
    isLogFile,
    logFileOf: (p) => (p.endsWith('-wal') && isLogFile(p.slice(0, -4)) ? p.slice(0, -4) : null),
    hint: 'Goose keeps its sessions in ~/.local/share/goose/sessions/sessions.db (set GOOSE_PATH_ROOT to point elsewhere).',
  }
}
