import { homedir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { existsSync } from 'node:fs'
import { claudeParser } from './claude-code/parser'
import { codexParser } from './codex/parser'
import { codexFamilyResolver } from './codex/families'
import type { LogSource } from './types'

/** Where to look for logs; by default read from the same env vars the agents and ccusage use. */
export interface SourceConfig {
  /** CLAUDE_CONFIG_DIR entries (config dirs holding `projects/`, or `projects/` dirs). */
  claudeConfigDirs?: string[]
  /** CODEX_HOME entries. */
  codexHomes?: string[]
  home?: string
}

function splitList(v: string | undefined): string[] {
  return (v ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0)
}

/** Reads the source configuration from the environment (CLAUDE_CONFIG_DIR, CODEX_HOME). */
export function sourceConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SourceConfig {
  return { claudeConfigDirs: splitList(env.CLAUDE_CONFIG_DIR), codexHomes: splitList(env.CODEX_HOME) }
}

/** Claude Code's `projects/` folders for the configured or default config dirs. */
export function claudeRoots(cfg: SourceConfig): string[] {
  const home = cfg.home ?? homedir()
  const dirs = cfg.claudeConfigDirs?.length ? cfg.claudeConfigDirs : [join(home, '.config', 'claude'), join(home, '.claude')]
  return dirs.map((d) => resolve(d)).map((d) => (basename(d) === 'projects' && !existsSync(join(d, 'projects')) ? d : join(d, 'projects')))
}

/** Codex's `sessions/` and `archived_sessions/` folders. */
export function codexRoots(cfg: SourceConfig): string[] {
  const homes = cfg.codexHomes?.length ? cfg.codexHomes : [join(cfg.home ?? homedir(), '.codex')]
  return homes.flatMap((h) => [join(resolve(h), 'sessions'), join(resolve(h), 'archived_sessions')])
}

const isJsonl = (p: string): boolean => p.endsWith('.jsonl')

/** The log sources Token Watch reads, for a configuration. */
export function createLogSources(cfg: SourceConfig): LogSource[] {
  return [
    {
      id: 'claude-code',
      parser: claudeParser as LogSource['parser'],
      roots: () => claudeRoots(cfg),
      isLogFile: isJsonl,
      hint: 'Claude Code keeps transcripts in ~/.claude/projects (set CLAUDE_CONFIG_DIR to point elsewhere).',
    },
    {
      id: 'codex',
      parser: codexParser as LogSource['parser'],
      roots: () => codexRoots(cfg),
      isLogFile: isJsonl,
      hint: 'Codex CLI keeps rollouts in ~/.codex/sessions (set CODEX_HOME to point elsewhere).',
      contextFor: (newFiles, savedStates) => ({ familyOf: codexFamilyResolver(newFiles, savedStates) }),
    },
  ]
}
