import { readdirSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import type { DatabaseReader, FileReader, LogSource } from '../types'
import { splitList, type SourceSetup } from '../setup'
import { hermesReader } from './reader'

const READER: FileReader = { kind: 'database', reader: hermesReader() as DatabaseReader<unknown> }

/** A home's named profiles, `<home>/profiles/<profile>/` (each with its own state.db). */
function profilesOf(home: string): string[] {
  try {
    return readdirSync(join(home, 'profiles'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(home, 'profiles', e.name))
  } catch {
    return []
  }
}

/**
 * Hermes Agent: `<home>/state.db` and each named profile's `<home>/profiles/<profile>/state.db`,
 * for HERMES_HOME (comma-separated, as ccusage reads it) and added homes; default ~/.hermes on
 * every OS. Only those folders' tops are read (a home also holds logs, skills and memories).
 */
export function hermesSource(s: SourceSetup): LogSource {
  const homes = [...new Set([...splitList(s.env.HERMES_HOME), ...s.folders].map((d) => resolve(d)))]
  const bases = homes.length > 0 ? homes : [join(s.home, '.hermes')]
  const roots = (): string[] => bases.flatMap((h) => [h, ...profilesOf(h)])
  const isLogFile = (p: string): boolean => {
    if (basename(p) !== 'state.db') return false
    const d = dirname(p)
    return bases.includes(d) || (basename(dirname(d)) === 'profiles' && bases.includes(dirname(dirname(d))))
  }
  return {
    id: 'hermes',
    readerOf: () => READER,
    flat: true,
    roots,
    isLogFile,
    logFileOf: (p) => (p.endsWith('-wal') && isLogFile(p.slice(0, -4)) ? p.slice(0, -4) : null),
    hint: 'Hermes Agent keeps its database in ~/.hermes/state.db (set HERMES_HOME to point elsewhere).',
  }
}
