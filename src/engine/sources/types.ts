import type { SourceId, UsageEvent } from '../../shared/usage'

/** Why a line was skipped; counted per file and shown in the sources panel. */
export type SkipReason =
  | 'malformed-json'
  | 'invalid-utf8'
  | 'line-too-long'
  | 'bad-field'
  | 'implausible-time'
  | 'binary'
  | 'unknown-shape'

/** What one log line gave: a billed request, nothing billable, or a skipped line. */
export type LineOutcome =
  | { kind: 'event'; event: UsageEvent }
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
}

/**
 * Turns one agent's log lines into usage events. `S` is the per-file state carried from line to
 * line (e.g. Codex's last cumulative totals); it is saved as JSON with the file offset, so a
 * restart resumes exactly where it left off.
 */
export interface LineParser<S> {
  readonly source: SourceId
  /** A line is parsed only if it contains one of these (ASCII): cheap skipping of tool output. */
  readonly needles: readonly string[]
  initialState(ctx: FileContext): S
  parseLine(line: string, state: S, ctx: FileContext): LineOutcome
}

/** A log source: where its files live and how to read them. */
export interface LogSource<S = unknown> {
  readonly id: SourceId
  readonly parser: LineParser<S>
  /** Folders to search for log files, existing or not. */
  roots(): string[]
  /** Whether a path under a root is one of this source's log files. */
  isLogFile(path: string): boolean
  /** A hint for users when none of the roots exists. */
  readonly hint: string
  /**
   * Facts a scan's files need from each other (e.g. Codex fork chains), from the files about to be
   * read that the store has not seen and the saved parser states of those it has.
   */
  contextFor?(newFiles: string[], savedStates: Iterable<string>): Partial<FileContext>
}
