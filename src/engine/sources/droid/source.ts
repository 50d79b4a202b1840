import { join, resolve } from 'node:path'
import type { DocumentParser, FileReader, LogSource } from '../types'
import { splitList, type SourceSetup } from '../setup'
import { droidParser, droidSharedState } from './parser'

const DOCUMENT: FileReader = { kind: 'document', parser: droidParser as DocumentParser<unknown> }

/**
 * Factory Droid: `<sessions>/**\/<id>.settings.json` (the `archive/` copies included) for
 * DROID_SESSIONS_DIR (comma-separated, as ccusage reads it), `FACTORY_DIR/sessions` (as CodeBurn
 * reads it) and added sessions folders; default `~/.factory/sessions` on every OS.
 */
export function droidSource(s: SourceSetup): LogSource {
  const dirs = [
    ...splitList(s.env.DROID_SESSIONS_DIR),
    ...(s.env.FACTORY_DIR ? [join(s.env.FACTORY_DIR, 'sessions')] : []),
    ...s.folders,
  ].map((d) => resolve(d))
  return {
    id: 'droid',
    readerOf: () => DOCUMENT,
    roots: () => (dirs.length > 0 ? [...new Set(dirs)] : [join(s.home, '.factory', 'sessions')]),
    isLogFile: (p) => p.endsWith('.settings.json'),
    hint: 'Droid keeps sessions in ~/.factory/sessions (set DROID_SESSIONS_DIR to point elsewhere).',
    // One session may have several copies (the archive): what any of them counted is shared.
    contextFor: (newFiles, savedStates) => ({ shared: droidSharedState(savedStates, newFiles) }),
  }
}
