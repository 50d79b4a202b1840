import { dirname, join, resolve } from 'node:path'
import type { DatabaseReader, FileReader, LogSource } from '../types'
import { splitList, type SourceSetup } from '../setup'
import { zcodeReader } from './reader'

const READER: FileReader = { kind: 'database', reader: zcodeReader() as DatabaseReader<unknown> }

/**
 * ZCode: `<home>/cli/db/db.sqlite` for ZCODE_HOME (comma-separated, as ccusage reads it) and added
 * homes; default ~/.zcode on every OS (Windows: %USERPROFILE%\.zcode). Only the database's folder
 * is read.
 */
export function zcodeSource(s: SourceSetup): LogSource {
  const homes = [...splitList(s.env.ZCODE_HOME), ...s.folders].map((d) => resolve(d))
  const dbs = [...new Set((homes.length > 0 ? homes : [join(s.home, '.zcode')]).map((h) => join(h, 'cli', 'db', 'db.sqlite')))]
  const isLogFile = (p: string): boolean => dbs.includes(p)
  return {
    id: 'zcode',
    readerOf: () => READER,
    flat: true,
    roots: () => [...new Set(dbs.map((d) => dirname(d)))],
    isLogFile,
    logFileOf: (p) => (p.endsWith('-wal') && isLogFile(p.slice(0, -4)) ? p.slice(0, -4) : null),
    hint: 'ZCode keeps its database in ~/.zcode/cli/db/db.sqlite (set ZCODE_HOME to point elsewhere).',
  }
}
