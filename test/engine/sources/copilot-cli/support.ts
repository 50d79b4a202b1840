/**
 * A Copilot CLI session store as the CLI writes it (SQLite, WAL): the tables and columns a reader
 * needs, from codeburn's reader of `~/.copilot/session-store.db` (getagentseal/codeburn @ ed8fa3af,
 * src/providers/copilot.ts: `assistant_usage_events` with cache-inclusive `input_tokens`, ISO
 * `created_at`; `initiator` and `output_tokens` came in later CLI releases).
 */
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'

export class CopilotStore {
  readonly db: Database.Database
  constructor(
    readonly path: string,
    opts: { outputColumn?: boolean } = {},
  ) {
    mkdirSync(dirname(path), { recursive: true })
    this.db = new Database(path)
    this.db.pragma('journal_mode = WAL')
    this.db
      .exec(`CREATE TABLE sessions (id TEXT PRIMARY KEY, cwd TEXT, repository TEXT, created_at TEXT NOT NULL DEFAULT (datetime('now')));
      CREATE TABLE assistant_usage_events (id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL, model TEXT NOT NULL,
        input_tokens INTEGER, cache_read_tokens INTEGER, cache_write_tokens INTEGER, reasoning_tokens INTEGER,
        created_at TEXT NOT NULL DEFAULT (datetime('now')), total_nano_aiu INTEGER, request_multiplier REAL, initiator TEXT
        ${opts.outputColumn === false ? '' : ', output_tokens INTEGER'});`)
    this.outputColumn = opts.outputColumn !== false
  }

  private readonly outputColumn: boolean

  session(id: string, cwd: string): void {
    this.db.prepare('INSERT INTO sessions (id, cwd, created_at) VALUES (?, ?, ?)').run(id, cwd, '2026-04-08T05:00:00.000Z')
  }

  /** One request; `input` is the exclusive (uncached) part, written cache-inclusive as the CLI does. */
  request(o: {
    session: string
    model: string
    at: string
    input: number
    output: number
    cacheRead?: number
    cacheWrite?: number
    initiator?: string
  }): void {
    const cr = o.cacheRead ?? 0
    const cw = o.cacheWrite ?? 0
    if (this.outputColumn) {
      this.db
        .prepare(
          `INSERT INTO assistant_usage_events (session_id, model, input_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, created_at, initiator, output_tokens)
        VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)`,
        )
        .run(o.session, o.model, o.input + cr + cw, cr, cw, o.at, o.initiator ?? null, o.output)
    } else {
      this.db
        .prepare(
          `INSERT INTO assistant_usage_events (session_id, model, input_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, created_at, initiator)
        VALUES (?, ?, ?, ?, ?, 0, ?, ?)`,
        )
        .run(o.session, o.model, o.input + cr + cw, cr, cw, o.at, o.initiator ?? null)
    }
  }

  close(): void {
    this.db.close()
  }
}
