/** A real OpenCode database (the tables a reader needs, as OpenCode 1.16 lays them out), in WAL mode. */
import Database from 'better-sqlite3'
import { mkdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { FIXTURES } from '../../../helpers/temp'

export const OPENCODE_SCHEMA = `
CREATE TABLE project (id TEXT PRIMARY KEY, worktree TEXT NOT NULL, time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL);
CREATE TABLE session (id TEXT PRIMARY KEY, project_id TEXT NOT NULL, parent_id TEXT, directory TEXT NOT NULL, title TEXT NOT NULL,
  version TEXT NOT NULL, cost REAL DEFAULT 0, tokens_input INTEGER DEFAULT 0, tokens_output INTEGER DEFAULT 0,
  tokens_reasoning INTEGER DEFAULT 0, tokens_cache_read INTEGER DEFAULT 0, tokens_cache_write INTEGER DEFAULT 0,
  time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL);
CREATE TABLE message (id TEXT PRIMARY KEY, session_id TEXT NOT NULL, time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, data TEXT NOT NULL);
CREATE INDEX message_session_idx ON message (session_id);
CREATE TABLE part (id TEXT PRIMARY KEY, message_id TEXT NOT NULL, session_id TEXT NOT NULL, time_created INTEGER NOT NULL,
  time_updated INTEGER NOT NULL, data TEXT NOT NULL);
`

/** The fixture's legacy message JSON (tokscale), as `message.data` holds it. */
export function fixtureMessage(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURES, 'opencode', 'tokscale_v1_legacy_storage_msg_test001.json'), 'utf8')) as Record<
    string,
    unknown
  >
}

/** OpenCode's writer side: the agent's own connection to its database. */
export class OpenCodeDb {
  readonly db: Database.Database
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true })
    this.db = new Database(path)
    this.db.pragma('journal_mode = WAL')
    this.db.exec(OPENCODE_SCHEMA)
    this.db.prepare("INSERT INTO project VALUES ('p1', '/work/app', 1, 1)").run()
  }

  session(id: string, directory = '/work/app'): void {
    this.db
      .prepare(
        "INSERT INTO session (id, project_id, directory, title, version, time_created, time_updated) VALUES (?, 'p1', ?, 't', '1.16.0', 1, 1)",
      )
      .run(id, directory)
  }

  /** Writes (or rewrites in place) a message with its step-finish part and the session's running totals, as OpenCode does. */
  message(id: string, sessionId: string, data: Record<string, unknown>, updated: number): void {
    const created = (data.time as { created?: number } | undefined)?.created ?? updated
    this.db
      .prepare(
        `INSERT INTO message (id, session_id, time_created, time_updated, data) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET time_updated = excluded.time_updated, data = excluded.data`,
      )
      .run(id, sessionId, created, updated, JSON.stringify(data))
    const tokens = data.tokens as { input: number; output: number; reasoning: number; cache: { read: number; write: number } } | undefined
    if (!tokens) return
    this.db
      .prepare(
        `INSERT INTO part (id, message_id, session_id, time_created, time_updated, data) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET data = excluded.data`,
      )
      .run(`prt_${id}`, id, sessionId, created, updated, JSON.stringify({ type: 'step-finish', tokens, cost: 0 }))
    const sums = this.db
      .prepare(
        `SELECT sum(json_extract(data, '$.tokens.input')) AS i, sum(json_extract(data, '$.tokens.output')) AS o,
      sum(json_extract(data, '$.tokens.cache.read')) AS r, sum(json_extract(data, '$.tokens.cache.write')) AS w FROM message WHERE session_id = ? AND json_valid(data)`,
      )
      .get(sessionId) as Record<string, number>
    this.db
      .prepare(
        'UPDATE session SET tokens_input = ?, tokens_output = ?, tokens_cache_read = ?, tokens_cache_write = ?, time_updated = ? WHERE id = ?',
      )
      .run(sums.i, sums.o, sums.r, sums.w, updated, sessionId)
  }

  /** Many completed messages in one transaction (rows only), as a long history. */
  bulk(sessionId: string, n: number, from: number): void {
    const insert = this.db.prepare('INSERT INTO message (id, session_id, time_created, time_updated, data) VALUES (?, ?, ?, ?, ?)')
    this.db.transaction(() => {
      for (let i = 0; i < n; i++) {
        const t = from + i * 1000
        insert.run(`m${String(i).padStart(6, '0')}`, sessionId, t, t, JSON.stringify(assistant({ created: t, input: 1, output: 1 })))
      }
    })()
  }

  close(): void {
    this.db.close()
  }
}

/** An assistant message's data: tokens, model, times; `completed` false = still in flight (zeros). */
export function assistant(o: {
  created: number
  input?: number
  output?: number
  read?: number
  write?: number
  reasoning?: number
  completed?: boolean
  model?: string
}): Record<string, unknown> {
  const done = o.completed ?? true
  return {
    role: 'assistant',
    modelID: o.model ?? 'claude-sonnet-4-5',
    providerID: 'anthropic',
    path: { cwd: '/work/app', root: '/work/app' },
    cost: 0,
    tokens: {
      input: done ? (o.input ?? 10) : 0,
      output: done ? (o.output ?? 5) : 0,
      reasoning: done ? (o.reasoning ?? 0) : 0,
      cache: { read: done ? (o.read ?? 0) : 0, write: done ? (o.write ?? 0) : 0 },
    },
    time: done ? { created: o.created, completed: o.created + 1000 } : { created: o.created },
  }
}
