/** A real Goose sessions.db (Goose's own schema, test/fixtures/goose), in WAL mode as Goose's sqlx pool opens it. */
import Database from 'better-sqlite3'
import { mkdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { FIXTURES } from '../../../helpers/temp'

/** Goose's `datetime('now')` text for an instant. */
export function gooseStamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ')
}

/** Goose's writer side: the agent's own connection to its database. */
export class GooseDb {
  readonly db: Database.Database
  constructor(
    readonly path: string,
    fixture = 'goose_sessions_db.sql',
  ) {
    mkdirSync(dirname(path), { recursive: true })
    this.db = new Database(path)
    this.db.pragma('journal_mode = WAL')
    this.db.exec(readFileSync(join(FIXTURES, 'goose', fixture), 'utf8'))
  }

  session(id: string, at: number, dir = '/home/dev/app', model = 'claude-sonnet-4-5'): void {
    this.db
      .prepare(
        `INSERT INTO sessions (id, working_dir, created_at, updated_at, provider_name, model_config_json) VALUES (?, ?, ?, ?, 'anthropic', ?)`,
      )
      .run(id, dir, gooseStamp(at), gooseStamp(at), JSON.stringify({ model_name: model }))
  }

  /** One reply, as Goose records it: the turn's columns, the running totals grown by it, updated_at moved. */
  reply(id: string, at: number, input: number, output: number, reasoning = 0): void {
    const total = input + output + reasoning
    this.db
      .prepare(
        `UPDATE sessions SET input_tokens = ?, output_tokens = ?, total_tokens = ?,
      accumulated_input_tokens = coalesce(accumulated_input_tokens, 0) + ?, accumulated_output_tokens = coalesce(accumulated_output_tokens, 0) + ?,
      accumulated_total_tokens = coalesce(accumulated_total_tokens, 0) + ?, updated_at = ? WHERE id = ?`,
      )
      .run(input, output, total, input, output, total, gooseStamp(at), id)
  }

  /** Many sessions of one reply each, in one transaction, as a long history. */
  bulk(n: number, from: number): void {
    const insert = this.db
      .prepare(`INSERT INTO sessions (id, working_dir, created_at, updated_at, accumulated_input_tokens, accumulated_output_tokens,
      accumulated_total_tokens, model_config_json) VALUES (?, '/w', ?, ?, ?, ?, ?, '{"model_name":"gpt-5"}')`)
    this.db.transaction(() => {
      for (let i = 0; i < n; i++) {
        const at = gooseStamp(from + i * 60_000)
        insert.run(`b${String(i).padStart(6, '0')}`, at, at, 10 + (i % 7), 3 + (i % 5), 13 + (i % 7) + (i % 5) + (i % 3))
      }
    })()
  }

  close(): void {
    this.db.close()
  }
}
