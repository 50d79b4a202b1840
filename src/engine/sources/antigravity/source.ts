import { basename, dirname, join, resolve } from 'node:path'
import type { DatabaseReader, FileReader, LogSource } from '../types'
import { splitList, type SourceSetup } from '../setup'
import { antigravityReader } from './reader'

const READER: FileReader = { kind: 'database', reader: antigravityReader as DatabaseReader<unknown> }

/** Antigravity's data folders, as ccusage 20.0.24 and CodeBurn look for them (the same on every OS, under the home folder). */
export function antigravityDataDirs(home: string): string[] {
  const gemini = join(home, '.gemini')
  return [
    join(gemini, 'antigravity-cli'),
    join(gemini, 'antigravity'),
    join(gemini, 'antigravity-ide'),
    join(gemini, 'antigravity-backup'),
    join(home, '.config', 'antigravity'),
  ]
}

/** A conversation database: `<data>/conversations/<id>.db` (or `implicit/<id>.db`). */
function isConversationDb(p: string): boolean {
  if (!p.endsWith('.db')) return false
  const folder = basename(dirname(p))
  return folder === 'conversations' || folder === 'implicit'
}

/**
 * Antigravity (the `agy` CLI, the app and the IDE): the conversation databases under each data
 * folder's `conversations/` and `implicit/`. ANTIGRAVITY_DATA_DIR (comma-separated, as ccusage reads
 * it) and added folders are searched whole for them; otherwise the default data folders.
 */
export function antigravitySource(s: SourceSetup): LogSource {
  const dirs = [...splitList(s.env.ANTIGRAVITY_DATA_DIR), ...s.folders].map((d) => resolve(d))
  const roots = (): string[] =>
    dirs.length > 0 ? [...new Set(dirs)] : antigravityDataDirs(s.home).flatMap((d) => [join(d, 'conversations'), join(d, 'implicit')])
  return {
    id: 'antigravity',
    readerOf: () => READER,
    roots,
    isLogFile: isConversationDb,
    logFileOf: (p) => (p.endsWith('-wal') && isConversationDb(p.slice(0, -4)) ? p.slice(0, -4) : null),
    hint: 'Antigravity keeps conversations in ~/.gemini/antigravity-cli/conversations (set ANTIGRAVITY_DATA_DIR to point elsewhere).',
  }
}
