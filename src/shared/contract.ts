/**
 * The one API contract between the engine and every UI. Electron IPC (main + preload) and the
 * headless HTTP server are two transports of this contract; the renderer consumes only this.
 */
import { LOG_SOURCE_IDS, type LogFolders, type LogSourceId } from './sources'
import type { SourceId } from './usage'

/**
 * Dimensions a report can be grouped by. Time dimensions are bucketed in the query's `tz`.
 * `machine` is the machine the usage was counted on (its name; name and id where two share one):
 * a local store is one machine, the team database and the "my machines" folder are several.
 */
export type GroupDim = 'hour' | 'day' | 'week' | 'month' | 'model' | 'agent' | 'user' | 'project' | 'session' | 'source' | 'machine'

export const GROUP_DIMS: readonly GroupDim[] = [
  'hour',
  'day',
  'week',
  'month',
  'model',
  'agent',
  'user',
  'project',
  'session',
  'source',
  'machine',
]

/** Which usage to look at. Instants are epoch ms UTC; `tz` is an IANA zone name. */
export interface UsageFilter {
  /** Inclusive start, epoch ms UTC; omitted = from the first event. */
  from?: number
  /** Exclusive end, epoch ms UTC; omitted = up to now and beyond. */
  to?: number
  tz: string
  users?: string[]
  agents?: string[]
  projects?: string[]
  models?: string[]
  sources?: SourceId[]
  sessions?: string[]
  /** Machines by name or id (team data; a local store answers as its own machine). */
  machines?: string[]
}

export interface ReportQuery extends UsageFilter {
  groupBy: GroupDim[]
}

/** Token and money figures of one row or a total. `costUsd` covers priced usage only. */
export interface Figures {
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
  requests: number
  costUsd: number
  /** Tokens whose model has no known price: their cost is unknown, not zero. */
  unpricedTokens: number
}

/**
 * One report row: one string field per grouped dimension (`day` as YYYY-MM-DD, `hour` as
 * YYYY-MM-DDTHH:00, `week` as the Monday's YYYY-MM-DD, `month` as YYYY-MM, all in `tz`).
 */
export type ReportRow = Partial<Record<GroupDim, string>> & Figures

export interface Report {
  rows: ReportRow[]
  totals: Figures
  /** Models in the result that have no known price. */
  unpricedModels: string[]
}

/**
 * Active time and sessions per group (docs/SPEND.md states the rule): `activeMs` sums the gaps of
 * at most five minutes between a session's consecutive requests, each credited to the later
 * request's group; `sessions` counts distinct sessions with a request in the group.
 */
export type ActivityRow = Partial<Record<GroupDim, string>> & { activeMs: number; sessions: number }

/** One user's figures: since the first event, and over the last 24 hours. */
export interface UserTotals {
  userId: string
  lifetime: Figures
  last24h: Figures
}

/** Distinct values to fill the filter pickers, and the span of stored data. */
export interface Dimensions {
  users: string[]
  agents: string[]
  projects: string[]
  models: string[]
  sources: SourceId[]
  /** Stored models that have usage without a known price (flagged in the pickers and lists). */
  unpricedModels: string[]
  /** First and last event instant (epoch ms UTC), or null when the store is empty. */
  firstTs: number | null
  lastTs: number | null
  /** The machines in the data: this machine's name locally, every synced machine in team mode. */
  machines?: string[]
  /** Set when the data is the team database's: the server it reads (password removed). */
  team?: string
}

export interface SessionSummary extends Figures {
  sessionId: string
  source: SourceId
  userId: string
  agentId: string
  project: string
  models: string[]
  firstTs: number
  lastTs: number
}

/** One request of a session, for the drill-down timeline. */
export interface SessionEvent extends Figures {
  ts: number
  model: string
}

export interface TodaySpend {
  /** The viewer's calendar day, YYYY-MM-DD in `tz`. */
  day: string
  tz: string
  costUsd: number
  tokens: number
  requests: number
  unpricedTokens: number
  topModels: { model: string; costUsd: number; tokens: number }[]
}

/**
 * One of Claude Code's 5-hour usage blocks (ccusage's rule, see docs/SPEND.md). Instants are ISO
 * 8601 UTC; `costUsd` is null when none of the block's usage has a known price.
 */
export interface UsageBlock {
  start: string
  end: string
  lastRequest: string
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
  requests: number
  costUsd: number | null
  active: boolean
  /** Active blocks only: tokens per minute and USD per hour between the first and last request. */
  burnRate: { tokensPerMinute: number; costPerHour: number | null } | null
  /** Active blocks only: the totals at the block's end at the burn rate. */
  projection: { totalTokens: number; totalCostUsd: number | null; remainingMinutes: number } | null
}

/** One plan window as the agent reported it (never estimated). */
export interface RateLimitWindow {
  /** `primary`/`secondary` (Codex), `five_hour`/`seven_day` (Claude Code). */
  name: string
  usedPercent: number
  windowMinutes: number | null
  /** When the window resets, epoch ms UTC, if reported. */
  resetsAt: number | null
}

/** The newest rate-limit snapshot an agent reported, and when: shown with its age. */
export interface RateLimitSnapshot {
  /** `codex-rollout`: a token_count event in a Codex rollout; `claude-statusline`: Claude Code's status-line input. */
  from: 'codex-rollout' | 'claude-statusline'
  /** When the agent reported it, epoch ms UTC. */
  observedAt: number
  planType: string | null
  windows: RateLimitWindow[]
}

/** Plan limits per agent; null where no source has reported any. */
export interface PlanLimits {
  codex: RateLimitSnapshot | null
  claude: RateLimitSnapshot | null
  /** The newest Claude Code status-line input seen: session cost as Claude Code reported it. */
  claudeSession: { sessionId: string; costUsd: number | null; model: string | null; observedAt: number } | null
}

/** What one watched source root or file set looks like right now. */
/**
 * Why an OTLP record or data point did not become usage (docs/OTEL.md): `not-usage` (no tokens:
 * tool events, other metrics), `never-count` (compaction, subagent summaries, raw bodies),
 * `agent-twin` (a GenAI copy of an agent's own per-request event), `agent-summary`
 * (invoke_agent and other roll-ups), `covered-by-events` (a token metric of a service that sends
 * per-request events), `log-source-twin` (a token metric of an agent whose logs are read here),
 * `bad-tokens` / `bad-time` (rejected: the sender is told in partial_success), `too-large` (a
 * request costing over $1M or taking the store's sums past 2^53: refused at commit, also rejected).
 */
export type OtlpSkipReason =
  | 'not-usage'
  | 'never-count'
  | 'agent-twin'
  | 'agent-summary'
  | 'covered-by-events'
  | 'log-source-twin'
  | 'bad-tokens'
  | 'bad-time'
  | 'too-large'

/** What one OpenTelemetry service (its `service.name`) has sent. */
export interface OtlpServiceStatus {
  service: string
  /** Log records, spans and data points received. */
  received: number
  /** Of them, records that carried usage (a retry or a twin of a stored request merges into it). */
  usage: number
  /** Not counted, reason -> count. */
  skipped: Partial<Record<OtlpSkipReason, number>>
  /** When the last request from it arrived (epoch ms). */
  lastSeenAt: number
}

export interface SourceStatus {
  source: SourceId
  /** Folder(s) watched, or the socket path / HTTP URL for pushed sources. */
  location: string
  found: boolean
  files: number
  sessions: number
  projects: number
  events: number
  lastEventTs: number | null
  skippedLines: number
  /** Why lines were skipped, reason -> count. */
  skipReasons: Record<string, number>
  /** A hint when nothing was found (e.g. where the agent keeps its logs). */
  hint?: string
  /** Log sources: the agent's env vars that point Token Watch elsewhere. */
  envVars?: string[]
  /** Log sources: when a file or database of it was last read with something new (epoch ms), or null. */
  lastReadAt?: number | null
  /** Log sources switched off in Settings (`disabledSources`): not read, not watched; history stays. */
  disabled?: true
  /** Log sources, as the engine's last full scan found them: paths it could not read. */
  fileErrors?: FileErrorCounts
  /** Log sources only: what is on disk now, counted from the files found, not from the store. */
  discovered?: DiscoveredLogs
  /** The OTLP receiver only: what each sending service sent, newest first. */
  services?: OtlpServiceStatus[]
  /** The OTLP receiver only: the default port (4318) it found taken, so it listens on `location`'s port instead. */
  portTaken?: number
}

/**
 * A log source's files as discovery finds them, so the first-run view can say what it found
 * before (and while) the history is read.
 */
export interface DiscoveredLogs {
  files: number
  sessions: number
  /** Distinct project folders, where the agent's layout has them (Claude Code); else omitted. */
  projects?: number
}

/** A log file or folder a scan could not read. */
export interface ScanFileError {
  path: string
  error: string
  /** `dangling-link`: a symlink whose target is gone or loops; `unreadable`: anything else. */
  kind: 'unreadable' | 'dangling-link'
}

/** A source's unreadable paths, counted by kind, with the first few for the panel to name. */
export interface FileErrorCounts {
  unreadable: number
  danglingLinks: number
  first: ScanFileError[]
}

export interface BackfillProgress {
  running: boolean
  filesDone: number
  filesTotal: number
  bytesDone: number
  bytesTotal: number
  /** True once a full backfill has finished since the engine started (it may be false and not running yet). */
  completedOnce: boolean
}

/** A price override, USD per million tokens per bucket. */
export interface PriceOverride {
  model: string
  input: number
  output: number
  cacheRead?: number
  cacheWrite?: number
  cacheWrite1h?: number
}

/** A budget's period: the local calendar day, week or month (in the settings' zone). */
export type BudgetPeriod = 'day' | 'week' | 'month'

export const BUDGET_PERIODS: readonly BudgetPeriod[] = ['day', 'week', 'month']

/** What a budget counts: every listed dimension must match (one of its values); empty = everything. */
export interface BudgetScope {
  agents?: string[]
  projects?: string[]
  models?: string[]
  users?: string[]
  sources?: SourceId[]
}

/** A spending limit in USD per period, for everything or a scope. */
export interface Budget {
  /** Stable id (letters, digits, `-`, `_`): alerts already raised are remembered by it. */
  id: string
  name: string
  amountUsd: number
  period: BudgetPeriod
  scope: BudgetScope
  /** Percentages of the amount that raise one notification each per period; default [80, 100]. */
  thresholds: number[]
}

/** `none`: no budget; `under`, `near` (past the first threshold below 100 %), `over` (reached). */
export type BudgetLevel = 'none' | 'under' | 'near' | 'over'

/** Projected spend at the end of a period (method in docs/SPEND.md). */
export interface Forecast {
  /** The central estimate, USD at the period's end. */
  endUsd: number
  /** The band: lowest and highest of the four single-week estimates. */
  lowUsd: number
  highUsd: number
  /** `profile`: the hour-of-week profile scaled by this period's pace; `linear`: no history yet. */
  method: 'profile' | 'linear' | 'none'
}

/** Projected spend for the rest of a range that ends after now: its total and per future bucket. */
export interface RangeForecast {
  spentUsd: number
  /** At the range's end, with the band (docs/SPEND.md). */
  forecast: Forecast
  /** Projected cost of each hour or day from the one holding now to the range's end (report keys). */
  points: { key: string; usd: number }[]
}

/** All usage this day, week or month: spent so far and the forecast at the period's end. */
export interface PeriodOutlook {
  period: BudgetPeriod
  periodStart: number
  periodEnd: number
  spentUsd: number
  unpricedTokens: number
  forecast: Forecast
}

/** A budget where it stands now. */
export interface BudgetStatus {
  budget: Budget
  /** The current period, epoch ms UTC [start, end). */
  periodStart: number
  periodEnd: number
  spentUsd: number
  leftUsd: number
  /** Tokens in scope whose price is unknown: the budget may be understated by their cost. */
  unpricedTokens: number
  /** Share of the amount spent (spent / amount). */
  fraction: number
  level: BudgetLevel
  /** Thresholds (percent) already reached this period. */
  reached: number[]
  forecast: Forecast
  /** When, at this pace, the spend reaches the amount this period; null if it does not (or already has). */
  runsOutAt: number | null
}

/** A threshold notification the engine has just claimed (raised once per budget, threshold, period). */
export interface BudgetAlert {
  budgetId: string
  budgetName: string
  period: BudgetPeriod
  threshold: number
  periodStart: number
  spentUsd: number
  amountUsd: number
}

export interface Settings {
  /** IANA zone for day boundaries, or '' for the system zone. */
  timeZone: string
  /** Daily budget in USD, or null for none. */
  dailyBudgetUsd: number | null
  launchAtLogin: boolean
  /**
   * Extra folders per log source beyond its env var and defaults (Claude Code config dirs, Codex
   * homes, Gemini CLI homes, OpenCode data folders, ...). In a patch, the sources named replace
   * their lists; the others keep theirs. Old settings files' claudeConfigDirs/codexHomes are read into it.
   */
  logFolders: LogFolders
  /** Log sources switched off: not read, not watched; their history stays. */
  disabledSources: LogSourceId[]
  priceOverrides: PriceOverride[]
  paused: boolean
  /** How project folders leave the machine when syncing to a team database or a synced folder. */
  teamProjects: TeamProjects
  /** Team database (postgres://…) kept current while the app runs, or '' for none (TOKENWATCH_TEAM_URL also sets one). */
  teamUrl: string
  /** A folder a sync tool mirrors ("my machines"): this machine writes its file there while running; '' for none. */
  machinesFolder: string
  /** Any number of budgets (the daily budget above is shown as one more, id `daily`). */
  budgets: Budget[]
  /** First day of the week for weekly budgets, ISO (1 = Monday ... 7 = Sunday); null = the locale's. */
  weekStart: number | null
  /** Run the OpenTelemetry receiver (OTLP/HTTP on 127.0.0.1:4318; docs/OTEL.md). */
  otlpEnabled: boolean
  /** The receiver's port when 4318 is taken (0: any free port). */
  otlpPort: number
}

/** A project as synced: the full path, its last folder name (default), or a hash of the path. */
export type TeamProjects = 'as-is' | 'basename' | 'hashed'

export const TEAM_PROJECTS: readonly TeamProjects[] = ['as-is', 'basename', 'hashed']

export type ExportResult = { ok: true; path?: string; rows: number } | { ok: false; error: string }

/** Which source's extra log folders (a log source id). */
export type LogFolderKind = LogSourceId

export const LOG_FOLDER_KINDS: readonly LogFolderKind[] = LOG_SOURCE_IDS

/** A folder picked in the native dialog and added, or why not (`cancelled`: the dialog was dismissed). */
export type AddLogFolderResult = { ok: true; path: string; settings: Settings } | { ok: false; cancelled: boolean; error: string }

/**
 * Change notification pushed to UIs: stored figures moved (views re-query what they show), or,
 * with `settings`, the settings changed (from any UI, the tray or the CLI), so open forms reload.
 */
export interface ChangeEvent {
  /** When it was sent (epoch ms). */
  at: number
  settings?: true
}

/** Which provider export a file is (see docs/TEAM.md, "Invoices reconciled"). */
export type ExportKind = 'cursor' | 'anthropic' | 'openai'

/** Why billed and counted differ on a line; `match` when they agree. */
export type ReconcileReason = 'match' | 'not-counted' | 'not-billed' | 'unpriced' | 'tokens-differ' | 'price-differs'

/** One day and model: billed, counted, and the difference (billed − counted). */
export interface ReconcileLine {
  day: string
  model: string
  billedUsd: number | null
  countedUsd: number
  diffUsd: number | null
  billedTokens: number | null
  countedTokens: number
  unpricedTokens: number
  reason: ReconcileReason
  /** The reason in words, for people. */
  note: string
}

/** What importing a Cursor usage export did (see docs/SOURCES.md, "Cursor"). */
export interface CursorImport {
  /** The file's name in the import folder. */
  file: string
  /** Requests the export holds. */
  requests: number
  /** The UTC days it covers (YYYY-MM-DD, ascending): for these it replaces what state.vscdb gave. */
  days: string[]
  /** Lines it could not read. */
  skipped: number
}

export interface Reconciliation {
  kind: ExportKind
  from: string
  to: string
  lines: ReconcileLine[]
  totals: { billedUsd: number; countedUsd: number; diffUsd: number }
  /** Export lines that could not be read (1-based line numbers), and why. */
  skipped: { line: number; reason: string }[]
}

/** "Now" in a zone: the viewer's `tz`, and the instant (epoch ms) standing for now (default: the server's clock). */
export interface DayQuery {
  tz: string
  at?: number
}

/**
 * Whose data a view reads: `local`, this machine's store; `machines`, my machines (this store and
 * the other machines' files in the synced folder); `team`, the team database.
 */
export type DataScope = 'local' | 'machines' | 'team'

export const DATA_SCOPES: readonly DataScope[] = ['local', 'machines', 'team']

/** One source of data a UI can show, for its switch and label ("Team (postgres://…)"). */
export interface DataSource {
  scope: DataScope
  /** `This machine`, `My machines`, `Team`. */
  label: string
  /** What it reads: this machine's name, the folder, the server (password removed). */
  detail: string
}

/** Every request a UI can make, by name: argument and result types. */
export interface ApiMethods {
  /**
   * The data this connection can show, the one its plain methods read first: this machine,
   * then my machines and the team where they are set (a server over the team database: the team).
   * Transports reach the others under their scope (HTTP `/api/<scope>/<method>`, IPC `api:<scope>:<method>`).
   */
  dataSources: { arg: void; result: DataSource[] }
  /**
   * Renames this machine (how the team and my machines show it; blank: the host name again), at
   * most 200 characters; the team database and the folder learn it at the next sync, started now.
   */
  setMachineName: { arg: { name: string }; result: DataSource[] }
  /** Desktop only: pick the "my machines" folder in the native dialog and set it (`machinesFolder`). The renderer never names a path. */
  pickMachinesFolder: { arg: void; result: AddLogFolderResult }
  dimensions: { arg: void; result: Dimensions }
  report: { arg: ReportQuery; result: Report }
  /** The most recent sessions with usage in the filter's range (at most 500). */
  sessions: { arg: UsageFilter; result: SessionSummary[] }
  /** Sessions with usage in the filter's range: how many, all of them (`sessions` lists at most 500). */
  sessionCount: { arg: UsageFilter; result: number }
  sessionEvents: { arg: { sessionId: string }; result: SessionEvent[] }
  /** Today in `tz` (as of `at`, epoch ms, default now). */
  todaySpend: { arg: DayQuery; result: TodaySpend }
  /** All usage today, this week and this month: spent and forecast at each period's end. */
  outlook: { arg: DayQuery; result: PeriodOutlook[] }
  /** The cost forecast for the rest of a range (groupBy [hour] or [day]); null when the range is over. */
  forecast: { arg: ReportQuery; result: RangeForecast | null }
  /** Every user's lifetime and last-24-hour totals, biggest lifetime cost first. */
  userTotals: { arg: void; result: UserTotals[] }
  /** Active time and session counts grouped like a report (for the chart's time and sessions metrics). */
  activity: { arg: ReportQuery; result: ActivityRow[] }
  /** Every budget (the daily budget included) with spend, forecast and level, most urgent first. */
  budgets: { arg: DayQuery; result: BudgetStatus[] }
  /** The newest plan-limit snapshots (Codex rollouts, Claude Code's status line), never invented. */
  planLimits: { arg: void; result: PlanLimits }
  /** Claude Code's 5-hour blocks, oldest first (`active`: only the running one). */
  blocks: { arg: { active?: boolean }; result: UsageBlock[] }
  sourceStatus: { arg: void; result: SourceStatus[] }
  backfillProgress: { arg: void; result: BackfillProgress }
  getSettings: { arg: void; result: Settings }
  setSettings: { arg: Partial<Settings>; result: Settings }
  /** CSV text of exactly this report (RFC 4180, formula-safe). */
  reportCsv: { arg: ReportQuery; result: string }
  /** Desktop only: CSV through the native save dialog. The renderer never names a path. */
  exportCsv: { arg: ReportQuery; result: ExportResult }
  /** Desktop only: pick an extra log folder in the native dialog and add it. The renderer never names a path. */
  addLogFolder: { arg: { kind: LogFolderKind }; result: AddLogFolderResult }
  /** Removes the `index`th extra folder of a kind (as `getSettings` lists them). */
  removeLogFolder: { arg: { kind: LogFolderKind; index: number }; result: Settings }
  /** A provider's usage or cost export (the CSV text the user picked) beside what was counted. */
  reconcile: { arg: { csv: string }; result: Reconciliation }
  /** Cursor's dashboard usage export (the CSV text the user picked, and its file name) into the Cursor source. */
  importCursorUsage: { arg: { csv: string; name?: string }; result: CursorImport }
}

export type ApiMethod = keyof ApiMethods

/** How one method travels: whether it takes an argument; for a desktop-only one, the headless answer. */
export interface MethodInfo<M extends ApiMethod> {
  readonly arg: boolean
  /** Set for methods only the desktop app serves: what the headless server answers instead. */
  readonly headless?: ApiMethods[M]['result']
}

/**
 * The one method table. The IPC handlers, the preload, the HTTP server and its client and the
 * dispatcher are all built from it; a method added to `ApiMethods` is a compile error until it
 * is listed here.
 */
export const API_METHOD_TABLE = {
  dataSources: { arg: false },
  setMachineName: { arg: true },
  pickMachinesFolder: {
    arg: false,
    headless: { ok: false, cancelled: false, error: 'picking a folder through a dialog is only in the desktop app; type its path' },
  },
  dimensions: { arg: false },
  report: { arg: true },
  sessions: { arg: true },
  sessionCount: { arg: true },
  sessionEvents: { arg: true },
  todaySpend: { arg: true },
  budgets: { arg: true },
  activity: { arg: true },
  userTotals: { arg: false },
  forecast: { arg: true },
  outlook: { arg: true },
  planLimits: { arg: false },
  blocks: { arg: true },
  sourceStatus: { arg: false },
  backfillProgress: { arg: false },
  getSettings: { arg: false },
  setSettings: { arg: true },
  reportCsv: { arg: true },
  // Saving in the browser is its download of reportCsv: the web page may never make the host write files.
  exportCsv: { arg: true, headless: { ok: false, error: 'desktop only' } },
  addLogFolder: {
    arg: true,
    headless: { ok: false, cancelled: false, error: 'picking a folder through a dialog is only in the desktop app; use setSettings' },
  },
  removeLogFolder: { arg: true },
  reconcile: { arg: true },
  importCursorUsage: { arg: true },
} as const satisfies { [M in ApiMethod]: MethodInfo<M> }

/** Every contract method, in table order. */
export const API_METHODS = Object.keys(API_METHOD_TABLE) as ApiMethod[]

/** The headless answer of a desktop-only method, or undefined for the others. */
export function headlessAnswer(method: ApiMethod): unknown {
  const info: MethodInfo<ApiMethod> = API_METHOD_TABLE[method]
  return info.headless
}

/**
 * The named methods of an `AppApi` over some transport: `invoke(method, arg)` for those that take
 * an argument, `invoke(method)` for the others. Only the table's methods exist on the object.
 */
export function contractMethods(invoke: (method: ApiMethod, ...arg: [] | [unknown]) => Promise<unknown>): Omit<AppApi, 'onChange'> {
  const api: Partial<Record<ApiMethod, (arg?: unknown) => Promise<unknown>>> = {}
  for (const m of API_METHODS) api[m] = API_METHOD_TABLE[m].arg ? (arg) => invoke(m, arg) : () => invoke(m)
  // Each entry has its method's signature by construction from the table above.
  return api as unknown as Omit<AppApi, 'onChange'>
}

/** The object the renderer calls (window.api in Electron, an HTTP client headless). */
export type AppApi = {
  [M in ApiMethod]: ApiMethods[M]['arg'] extends void
    ? () => Promise<ApiMethods[M]['result']>
    : (arg: ApiMethods[M]['arg']) => Promise<ApiMethods[M]['result']>
} & {
  /** Subscribe to change events; returns the unsubscribe function. */
  onChange(listener: (e: ChangeEvent) => void): () => void
}
