import { homedir } from 'node:os'
import { LOG_SOURCE_IDS, type LogSourceId } from '../../shared/sources'
import { ampSource } from './amp/source'
import { antigravitySource } from './antigravity/source'
import { claudeSource } from './claude-code/source'
import { clineSource } from './cline/source'
import { codexSource } from './codex/source'
import { copilotSource } from './copilot-cli/source'
import { droidSource } from './droid/source'
import { geminiSource } from './gemini-cli/source'
import { grokSource } from './grok/source'
import { gooseSource } from './goose/source'
import { kimiSource } from './kimi-code/source'
import { opencodeSource } from './opencode/source'
import { qwenSource } from './qwen-code/source'
import { piSource } from './pi/source'
import { openclawSource } from './openclaw/source'
import { codebuffSource } from './codebuff/source'
import { hermesSource } from './hermes/source'
import { zcodeSource } from './zcode/source'
import { cursorSource } from './cursor/source'
import type { LogSource } from './types'
import { splitList, type SourceSetup } from './setup'

export { claudeRoots } from './claude-code/source'
export { codexRoots } from './codex/source'

/**
 * Each source id's factory. The compiler checks this against the one list (src/shared/sources.ts):
 * an id listed there without a factory here, or the reverse, does not build.
 */
const FACTORIES: { readonly [K in LogSourceId]: (setup: SourceSetup) => LogSource } = {
  'claude-code': claudeSource,
  codex: codexSource,
  'gemini-cli': geminiSource,
  opencode: opencodeSource,
  amp: ampSource,
  'qwen-code': qwenSource,
  'kimi-code': kimiSource,
  'copilot-cli': copilotSource,
  grok: grokSource,
  droid: droidSource,
  pi: piSource,
  openclaw: openclawSource,
  codebuff: codebuffSource,
  hermes: hermesSource,
  zcode: zcodeSource,
  goose: gooseSource,
  antigravity: antigravitySource,
  cline: clineSource,
  cursor: (setup) => cursorSource(setup),
}

/** Where to look for logs. */
export interface SourceConfig {
  /** Folders added per source (settings' logFolders); a source with none (and no env var) uses its defaults. */
  folders?: Partial<Record<LogSourceId, string[]>>
  /** The environment whose variables the sources read (CLAUDE_CONFIG_DIR, GEMINI_CLI_HOME, ...); none when absent. */
  env?: NodeJS.ProcessEnv
  /** Sources switched off in settings: not read, not watched. */
  disabled?: readonly LogSourceId[]
  /** Shorthands for folders['claude-code'] / folders.codex. */
  claudeConfigDirs?: string[]
  codexHomes?: string[]
  home?: string
}

/** Reads CLAUDE_CONFIG_DIR and CODEX_HOME (comma-separated lists, as ccusage reads them). */
export function sourceConfigFromEnv(env: NodeJS.ProcessEnv = process.env): { claudeConfigDirs: string[]; codexHomes: string[] } {
  return { claudeConfigDirs: splitList(env.CLAUDE_CONFIG_DIR), codexHomes: splitList(env.CODEX_HOME) }
}

/** The log sources Token Watch reads, for a configuration, in the one list's order. */
export function createLogSources(cfg: SourceConfig): LogSource[] {
  const env = cfg.env ?? {}
  const home = cfg.home ?? homedir()
  const folders = (id: LogSourceId): string[] => {
    const extra = id === 'claude-code' ? cfg.claudeConfigDirs : id === 'codex' ? cfg.codexHomes : undefined
    return [...(extra ?? []), ...(cfg.folders?.[id] ?? [])]
  }
  return LOG_SOURCE_IDS.filter((id) => !cfg.disabled?.includes(id)).map((id) => FACTORIES[id]({ folders: folders(id), env, home }))
}
