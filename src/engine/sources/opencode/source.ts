import { basename, dirname, join, resolve } from 'node:path'
import type { DatabaseReader, FileReader, LogSource } from '../types'
import type { SourceSetup } from '../setup'
import { opencodeReader } from './reader'

const READER: FileReader = { kind: 'database', reader: opencodeReader as DatabaseReader<unknown> }

/** `opencode.db` and the non-release channels' `opencode-<channel>.db`. */
const isOpenCodeDb = (name: string): boolean => /^opencode(-[A-Za-z0-9._-]+)?\.db$/.test(name)

/**
 * OpenCode: OPENCODE_DB (one database file), else `<data>/opencode/` for XDG_DATA_HOME (default
 * ~/.local/share on every OS) and added data folders. Only the top of each folder is read.
 */
export function opencodeSource(s: SourceSetup): LogSource {
  const dbFile = s.env.OPENCODE_DB ? resolve(s.env.OPENCODE_DB) : undefined
  const dataDirs = [
    ...(dbFile ? [] : [join(resolve(s.env.XDG_DATA_HOME || join(s.home, '.local', 'share')), 'opencode')]),
    ...s.folders.map((f) => resolve(f)),
  ]
  const roots = (): string[] => [...new Set([...(dbFile ? [dirname(dbFile)] : []), ...dataDirs])]
  const isLogFile = (p: string): boolean => {
    if (dbFile && p === dbFile) return true
    return isOpenCodeDb(basename(p)) && dataDirs.includes(dirname(p))
  }
  return {
    id: 'opencode',
    readerOf: () => READER,
    flat: true,
    roots,
    isLogFile,
    // A commit may touch only the WAL: it stands for its database.
    logFileOf: (p) => (p.endsWith('-wal') && isLogFile(p.slice(0, -4)) ? p.slice(0, -4) : null),
    hint: 'OpenCode keeps its database in ~/.local/share/opencode/opencode.db (set OPENCODE_DB or XDG_DATA_HOME to point elsewhere).',
  }
}
