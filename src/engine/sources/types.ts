import type Database from 'better-sqlite3'
import type { LogSourceId } from '../../shared/sources'
import type { UsageEvent } from '../../shared/usage'

/** Why a line was skipped; counted per file and shown in the sources panel. */
export type SkipReason =
  | 'malformed-json'
  | 'malformed-csv'
  | 'invalid-utf8'
  | 'line-too-long'
  | 'bad-field'
  | 'implausible-time'
  | 'binary'
  | 'unknown-shape'
  | 'too-large'
  | 'unreadable-db'

/** What one log line gave: a billed request, nothing billable, or a skipped line. */
export type LineOutcome =
  | { kind: 'event'; event: UsageEvent }
  /** A line holding several records (e.g. a checkpoint of messages). */
  | { kind: 'events'; events: UsageEvent[] }
  | { kind: 'none' }
  | { kind: 'skip'; reason: SkipReason }

/** Facts about the file a line came from. */
export interface FileContext {
  path: string
  /** The source root the file was found under. */
  root: string
  userId: string
  /** Codex: the root session of a fork chain (see codex/families.ts). */
  familyOf?: (sessionId: string) => string
  /** Documents and databases: the file's modification time (ms), e.g. to stamp a running total's increment. */
  mtimeMs?: number
  /**
   * State a source's files share within one scan, built by `contextFor` from the saved states (Droid:
   * the totals counted per session, so an archived copy of a session never adds again). A parser may
   * update it as it reads: it lives for one scan, and the saved states it was built from commit with
   * the usage.
   */
  shared?: Map<string, unknown>
}

/**
 * Turns one agent's log lines into usage events. `S` is the per-file state carried from line to
 * line (e.g. Codex's last cumulative totals); it is saved as JSON with the file offset, so a
 * restart resumes exactly where it left off.
 */
export interface LineParser<S> {
  readonly source: LogSourceId
  /** A line is parsed only if it contains one of these (ASCII): cheap skipping of tool output. */
  readonly needles: readonly string[]
  initialState(ctx: FileContext): S
  parseLine(line: string, state: S, ctx: FileContext): LineOutcome
  /**
   * Set when the native scanner (src/engine/ingest/native-scan.ts) has an extractor for this
   * source's lines: it hands `parseObject` the line's JSON object pruned to the fields the parser
   * reads, and any line it is not sure of to `parseLine`. Both must give the same outcome.
   */
  readonly native?: 'claude-code'
  parseObject?(o: Record<string, unknown>, state: S, ctx: FileContext): LineOutcome
}

/**
 * Records of the same source a read replaces: those whose key starts with `keyPrefix` and whose
 * instant is in [from, to). Cursor: an imported usage CSV is the account's own record, so it
 * replaces what state.vscdb gave for the UTC days it covers.
 */
export interface Supersede {
  keyPrefix: string
  from: number
  to: number
}

/** What a whole document or a batch of database rows gave. */
export interface RecordsOutcome<S> {
  events: UsageEvent[]
  /** Records this read replaces (removed in the same transaction as its events, after them). */
  supersede?: Supersede[]
  /** Records looked at (messages, rows): shown as the source's "lines". */
  records: number
  skips: SkipReason[]
  state: S
}

/**
 * A document rewritten in place (Gemini legacy `.json` chats, Amp threads, running-total files):
 * re-read whole on every change. Per-record keys make a re-read add only what is new (the ledger
 * merges re-seen keys); a document that only holds a running total diffs it against `state`
 * (kept in our store with the file) into increments.
 */
export interface DocumentParser<S> {
  readonly source: LogSourceId
  initialState(ctx: FileContext): S
  parseDocument(text: string, state: S, ctx: FileContext): RecordsOutcome<S>
}

/**
 * Another app's SQLite database (OpenCode's opencode.db, ...). The engine opens it read-only
 * (never locking or writing it; its WAL is read as SQLite does) and hands it here with the cursor
 * kept in our store (`state`); the reader returns the rows past the cursor (at most `maxRows`)
 * and the cursor after them. A row updated in place must come back (e.g. by `time_updated`) with
 * the same key: the ledger merge corrects the record instead of adding it again.
 */
export interface DatabaseReader<S> {
  readonly source: LogSourceId
  initialState(ctx: FileContext): S
  /** `bytes`: about how much row data was read (paces the scan's commits); `done`: no more rows wait. */
  readRows(db: Database.Database, state: S, ctx: FileContext, maxRows: number): RecordsOutcome<S> & { done: boolean; bytes: number }
}

/** How one of a source's files is read: append log, rewritten document or database. */
export type FileReader =
  | { readonly kind: 'append'; readonly parser: LineParser<unknown> }
  | { readonly kind: 'document'; readonly parser: DocumentParser<unknown> }
  | { readonly kind: 'database'; readonly reader: DatabaseReader<unknown> }

/** A log source: where its files live and how to read them. */
export interface LogSource {
  readonly id: LogSourceId
  /** How a file of this source is read (asked once per file read; keep it cheap). */
  readerOf(path: string): FileReader
  /** Folders to search for log files, existing or not. */
  roots(): string[]
  /** Whether a path under a root is one of this source's log files. */
  isLogFile(path: string): boolean
  /**
   * The log file a changed path stands for, when it is not the file itself (a database's `-wal`
   * file stands for the database); null when the path is none of this source's.
   */
  logFileOf?(path: string): string | null
  /** A hint for users when none of the roots exists. */
  readonly hint: string
  /**
   * Its files lie directly in each root (a database in an app's data folder): subfolders are
   * neither walked nor watched (OpenCode's folder also holds thousands of unrelated files). A
   * function answers per root (Copilot: ~/.copilot is flat, its session-state/ is walked).
   */
  readonly flat?: boolean | ((root: string) => boolean)
  /**
   * Facts a scan's files need from each other (e.g. Codex fork chains), from the files about to be
   * read that the store has not seen and the saved parser states of those it has.
   */
  contextFor?(newFiles: string[], savedStates: Iterable<string>): Partial<FileContext>
}
