/**
 * The one list of sources. `SourceId`, the settings' `logFolders`, the validators, the engine's
 * registry (src/engine/sources/registry.ts, checked against this list by the compiler), the
 * Sources panel's labels and `report --source` all derive from it. Adding an agent: its folder
 * under src/engine/sources/<id>/ and one line here (docs/SOURCES.md, "Adding an agent").
 */
export const SOURCES = [
  {
    id: 'claude-code',
    label: 'Claude Code',
    kind: 'append',
    envVars: ['CLAUDE_CONFIG_DIR'],
    folderTitle: 'Extra Claude Code config folders',
    folderHelp: 'each holds projects/, like ~/.claude',
  },
  {
    id: 'codex',
    label: 'Codex',
    kind: 'append',
    envVars: ['CODEX_HOME'],
    folderTitle: 'Extra Codex homes',
    folderHelp: 'each holds sessions/, like ~/.codex',
  },
  {
    id: 'gemini-cli',
    label: 'Gemini CLI',
    kind: 'append+document',
    envVars: ['GEMINI_CLI_HOME', 'GEMINI_DATA_DIR'],
    folderTitle: 'Extra Gemini CLI homes',
    folderHelp: 'each holds tmp/<project>/chats/, like ~/.gemini',
  },
  {
    id: 'opencode',
    label: 'OpenCode',
    kind: 'database',
    envVars: ['OPENCODE_DB', 'XDG_DATA_HOME'],
    folderTitle: 'Extra OpenCode data folders',
    folderHelp: 'each holds opencode.db, like ~/.local/share/opencode',
  },
  {
    id: 'amp',
    label: 'Amp',
    kind: 'document',
    envVars: ['AMP_DATA_DIR'],
    folderTitle: 'Extra Amp data folders',
    folderHelp: 'each holds threads/, like ~/.local/share/amp',
  },
  {
    id: 'qwen-code',
    label: 'Qwen Code',
    kind: 'append',
    envVars: ['QWEN_DATA_DIR'],
    folderTitle: 'Extra Qwen Code data folders',
    folderHelp: 'each holds projects/<project>/chats/, like ~/.qwen',
  },
  {
    id: 'kimi-code',
    label: 'Kimi Code',
    kind: 'append',
    envVars: ['KIMI_CODE_HOME'],
    folderTitle: 'Extra Kimi Code homes',
    folderHelp: 'each holds sessions/, like ~/.kimi-code',
  },
  {
    id: 'copilot-cli',
    label: 'Copilot CLI',
    kind: 'append+database',
    envVars: ['COPILOT_HOME'],
    folderTitle: 'Extra Copilot CLI homes',
    folderHelp: 'each holds session-state/ and session-store.db, like ~/.copilot',
  },
  {
    id: 'grok',
    label: 'Grok Build',
    kind: 'append',
    envVars: ['GROK_HOME'],
    folderTitle: 'Extra Grok Build homes',
    folderHelp: 'each holds sessions/, like ~/.grok',
  },
  {
    id: 'droid',
    label: 'Droid',
    kind: 'document',
    envVars: ['DROID_SESSIONS_DIR', 'FACTORY_DIR'],
    folderTitle: 'Extra Droid sessions folders',
    folderHelp: 'each holds <project>/<id>.settings.json, like ~/.factory/sessions',
  },
  {
    id: 'pi',
    label: 'pi',
    kind: 'append',
    envVars: ['PI_AGENT_DIR', 'PI_CODING_AGENT_DIR'],
    folderTitle: 'Extra pi sessions folders',
    folderHelp: 'each holds <project>/*.jsonl, like ~/.pi/agent/sessions',
  },
  {
    id: 'openclaw',
    label: 'OpenClaw',
    kind: 'append',
    envVars: ['OPENCLAW_DIR'],
    folderTitle: 'Extra OpenClaw folders',
    folderHelp: 'each holds agents/<agent>/sessions/, like ~/.openclaw',
  },
  {
    id: 'codebuff',
    label: 'Codebuff',
    kind: 'document',
    envVars: ['CODEBUFF_DATA_DIR'],
    folderTitle: 'Extra Codebuff folders',
    folderHelp: 'each holds projects/<project>/chats/, like ~/.config/manicode',
  },
  {
    id: 'hermes',
    label: 'Hermes Agent',
    kind: 'database',
    envVars: ['HERMES_HOME'],
    folderTitle: 'Extra Hermes homes',
    folderHelp: 'each holds state.db, like ~/.hermes',
  },
  {
    id: 'zcode',
    label: 'ZCode',
    kind: 'database',
    envVars: ['ZCODE_HOME'],
    folderTitle: 'Extra ZCode homes',
    folderHelp: 'each holds cli/db/db.sqlite, like ~/.zcode',
  },
  {
    id: 'goose',
    label: 'Goose',
    kind: 'database',
    envVars: ['GOOSE_PATH_ROOT', 'XDG_DATA_HOME'],
    folderTitle: 'Extra Goose sessions folders',
    folderHelp: 'each holds sessions.db, like ~/.local/share/goose/sessions',
  },
  {
    id: 'antigravity',
    label: 'Antigravity',
    kind: 'database',
    envVars: ['ANTIGRAVITY_DATA_DIR'],
    folderTitle: 'Extra Antigravity data folders',
    folderHelp: 'each holds conversations/<id>.db, like ~/.gemini/antigravity-cli',
  },
  {
    id: 'cline',
    label: 'Cline / Roo Code / Kilo Code',
    kind: 'document',
    envVars: ['CLINE_DIR', 'CLINE_DATA_DIR', 'CLINE_SESSION_DATA_DIR', 'VSCODE_PORTABLE', 'KILO_DATA_DIR'],
    folderTitle: 'Extra Cline, Roo Code or Kilo Code storage folders',
    folderHelp: 'each holds tasks/<id>/ui_messages.json, like .../User/globalStorage/saoudrizwan.claude-dev',
  },
  {
    id: 'cursor',
    label: 'Cursor',
    kind: 'database+document',
    envVars: ['CURSOR_DATA_DIR'],
    folderTitle: 'Extra Cursor folders',
    folderHelp: 'each holds state.vscdb (User/globalStorage) or usage-export CSVs',
  },
] as const

/** A source read from files or databases on this machine. */
export type LogSourceId = (typeof SOURCES)[number]['id']

/** Sources that push usage to Token Watch instead of being read. */
export const PUSHED_SOURCES = [
  { id: 'socket', label: 'Local socket (NDJSON push)' },
  { id: 'http', label: 'HTTP push (POST /v1/usage)' },
  { id: 'otlp', label: 'OpenTelemetry (OTLP)' },
] as const

/** Where a usage event came from. */
export type SourceId = LogSourceId | (typeof PUSHED_SOURCES)[number]['id']

export const LOG_SOURCE_IDS: readonly LogSourceId[] = SOURCES.map((s) => s.id)
export const SOURCE_IDS: readonly SourceId[] = [...LOG_SOURCE_IDS, ...PUSHED_SOURCES.map((s) => s.id)]

/** The descriptor of a log source. */
export type SourceDescriptor = (typeof SOURCES)[number]

export function sourceDescriptor(id: LogSourceId): SourceDescriptor {
  return SOURCES.find((s) => s.id === id) as SourceDescriptor
}

export function isSourceId(v: unknown): v is SourceId {
  return typeof v === 'string' && (SOURCE_IDS as readonly string[]).includes(v)
}

export function isLogSourceId(v: unknown): v is LogSourceId {
  return typeof v === 'string' && (LOG_SOURCE_IDS as readonly string[]).includes(v)
}

/** A source's name for people. */
export function sourceLabel(id: SourceId): string {
  return [...SOURCES, ...PUSHED_SOURCES].find((s) => s.id === id)?.label ?? id
}

/** Extra folders per log source, as settings keep them. */
export type LogFolders = Record<LogSourceId, string[]>

export function emptyLogFolders(): LogFolders {
  return Object.fromEntries(LOG_SOURCE_IDS.map((id) => [id, []])) as unknown as LogFolders
}
