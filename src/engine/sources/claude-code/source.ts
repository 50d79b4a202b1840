import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import type { FileReader, LineParser, LogSource } from '../types'
import { isJsonl, splitList, type SourceSetup } from '../setup'
import { claudeParser } from './parser'

/** Claude Code's `projects/` folders for the configured or default config dirs. */
export function claudeRoots(cfg: { claudeConfigDirs?: string[]; home?: string }): string[] {
  const home = cfg.home ?? homedir()
  const dirs = cfg.claudeConfigDirs?.length ? cfg.claudeConfigDirs : [join(home, '.config', 'claude'), join(home, '.claude')]
  return dirs.map((d) => resolve(d)).map((d) => (basename(d) === 'projects' && !existsSync(join(d, 'projects')) ? d : join(d, 'projects')))
}

const READER: FileReader = { kind: 'append', parser: claudeParser as LineParser<unknown> }

/** Claude Code: CLAUDE_CONFIG_DIR entries and added folders, else ~/.config/claude and ~/.claude. */
export function claudeSource(s: SourceSetup): LogSource {
  const dirs = [...splitList(s.env.CLAUDE_CONFIG_DIR), ...s.folders]
  return {
    id: 'claude-code',
    readerOf: () => READER,
    roots: () => claudeRoots({ claudeConfigDirs: dirs, home: s.home }),
    isLogFile: isJsonl,
    hint: 'Claude Code keeps transcripts in ~/.claude/projects (set CLAUDE_CONFIG_DIR to point elsewhere).',
  }
}
