import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import type { FileReader, LineParser, LogSource } from '../types'
import { isJsonl, splitList, type SourceSetup } from '../setup'
import { codexFamilyResolver } from './families'
import { codexParser } from './parser'

/** Codex's `sessions/` and `archived_sessions/` folders. */
export function codexRoots(cfg: { codexHomes?: string[]; home?: string }): string[] {
  const homes = cfg.codexHomes?.length ? cfg.codexHomes : [join(cfg.home ?? homedir(), '.codex')]
  return homes.flatMap((h) => [join(resolve(h), 'sessions'), join(resolve(h), 'archived_sessions')])
}

const READER: FileReader = { kind: 'append', parser: codexParser as LineParser<unknown> }

/** Codex CLI: CODEX_HOME entries and added folders, else ~/.codex. */
export function codexSource(s: SourceSetup): LogSource {
  const homes = [...splitList(s.env.CODEX_HOME), ...s.folders]
  return {
    id: 'codex',
    readerOf: () => READER,
    roots: () => codexRoots({ codexHomes: homes, home: s.home }),
    isLogFile: isJsonl,
    hint: 'Codex CLI keeps rollouts in ~/.codex/sessions (set CODEX_HOME to point elsewhere).',
    contextFor: (newFiles, savedStates) => ({ familyOf: codexFamilyResolver(newFiles, savedStates) }),
  }
}
