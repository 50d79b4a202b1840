/** A real Cursor state.vscdb (VS Code's key-value layout) and the fixture bubble. */
import Database from 'better-sqlite3'
import { mkdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { FIXTURES } from '../../../helpers/temp'

export const BUBBLE = JSON.parse(
  readFileSync(
    join(FIXTURES, 'cursor', 'tokscale_cursorcli_rs_state.vscdb_cursorDiskKV_bubbleId_session-123_bubble-456.value.json'),
    'utf8',
  ),
) as Record<string, unknown>
export const CSV = readFileSync(join(FIXTURES, 'cursor', 'tokscale_cursor_rs_usage_export_new_format.csv'), 'utf8')
export const CSV_HEADER = CSV.split('\n')[0] as string

/** Cursor's side: its own connection to `<user data>/User/globalStorage/state.vscdb`. */
export class CursorDb {
  readonly db: Database.Database
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true })
    this.db = new Database(path)
    this.db.exec(`CREATE TABLE IF NOT EXISTS ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB);
      CREATE TABLE IF NOT EXISTS cursorDiskKV (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB);`)
  }

  /** Writes a bubble as Cursor does (INSERT OR REPLACE: a rewrite gets a new rowid). */
  bubble(composer: string, id: string, o: { at: string | number; input: number; output: number; model?: string }): void {
    const value = {
      ...BUBBLE,
      bubbleId: id,
      createdAt: o.at,
      modelInfo: { modelName: o.model ?? 'gpt-5.5' },
      tokenCount: { inputTokens: o.input, outputTokens: o.output },
    }
    this.db
      .prepare('INSERT OR REPLACE INTO cursorDiskKV (key, value) VALUES (?, ?)')
      .run(`bubbleId:${composer}:${id}`, JSON.stringify(value))
  }

  raw(key: string, value: string): void {
    this.db.prepare('INSERT OR REPLACE INTO cursorDiskKV (key, value) VALUES (?, ?)').run(key, value)
  }

  close(): void {
    this.db.close()
  }
}

/** A usage-export line in the dashboard's column order. */
export function csvRow(
  date: string,
  model: string,
  t: { input: number; cacheWrite?: number; cacheRead?: number; output: number },
  cost = '0.01',
  kind = 'Included',
): string {
  const cw = t.cacheWrite ?? 0
  const cr = t.cacheRead ?? 0
  return `"${date}","${kind}","${model}","No","${cw}","${t.input}","${cr}","${t.output}","${t.input + cw + cr + t.output}","${cost}"`
}
